"""django-tenants' PostgreSQL backend, sending ``SET search_path`` only when the session needs it.

django-tenants (without ``TENANT_LIMIT_SET_CALLS``) sends ``SET search_path`` before every
statement: safe, because the connection never has to know which path the session holds, but it
doubles the statements of a request. This wrapper remembers the path it last set
(``search_path_set_schemas``) and sends ``SET`` only when the selected street office's path
differs from it — and it forgets what it remembers whenever PostgreSQL may have changed or undone
the path behind its back:

- ``ROLLBACK`` and ``ROLLBACK TO SAVEPOINT`` undo a ``SET`` made inside the aborted part
  (django-tenants' ``rollback``/``savepoint_rollback``, kept here);
- a new or reused physical connection (``init_connection_state``: persistent connections, a
  reconnect after ``close``);
- any statement sent through Django whose text touches the path or the transaction by hand
  (``search_path``, ``set_config``, ``ROLLBACK``, ``RESET``, ``DISCARD``, ``SET ROLE``...), e.g.
  ``tenants/cloning.py``'s transaction-local ``set_config('search_path', ...)``.

Forgetting is always safe (the next statement re-sends ``SET``); remembering wrongly is the only
danger, so every doubt forgets. tests/tenants/test_search_path.py proves the selected schema is the
one every statement runs in across rollbacks, savepoints, schema switches inside atomic blocks,
raw ``SET``/``ROLLBACK``, reconnects and Celery tasks. docs/adr/0015-search-path-and-connections.md.
"""

from __future__ import annotations

import re

from django.db.backends.postgresql.base import CursorDebugWrapper as _PgDebugWrapper
from django.db.backends.utils import CursorWrapper as _CursorWrapper
from django_tenants.postgresql_backend import base as tenants_base

# Statements after which the session's search_path can no longer be trusted to be what we set.
_PATH_CHANGING = re.compile(r"search_path|set_config|\b(?:rollback|reset|discard|set\s+role|set\s+session)\b", re.I)

DatabaseError = tenants_base.DatabaseError
IntegrityError = tenants_base.IntegrityError


def _text(sql) -> str:
    return sql if isinstance(sql, str) else repr(sql)


class _Tracking:
    """Cursor mixin: after a statement that may touch the search_path, the connection forgets it."""

    def execute(self, sql, params=None):
        try:
            return super().execute(sql, params)
        finally:
            if _PATH_CHANGING.search(_text(sql)):
                self.db.search_path_set_schemas = None

    def executemany(self, sql, param_list):
        try:
            return super().executemany(sql, param_list)
        finally:
            if _PATH_CHANGING.search(_text(sql)):
                self.db.search_path_set_schemas = None


class TrackingCursorWrapper(_Tracking, _CursorWrapper):
    pass


class TrackingCursorDebugWrapper(_Tracking, _PgDebugWrapper):
    pass


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    """django-tenants' wrapper with an honest cache of the session's search_path."""

    def init_connection_state(self):
        # A fresh (or reused) physical connection: its path is whatever the server says, not ours.
        self.search_path_set_schemas = None
        super().init_connection_state()

    def set_tenant(self, tenant, include_public=True):
        held = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)  # forgets the cached path
        if held is not None and held == self._get_cursor_search_paths():
            # Same path as the session already holds (e.g. the next request of the same street
            # on a persistent connection): nothing to send.
            self.search_path_set_schemas = held

    def _handle_search_path(self, cursor=None):
        if (
            not self._setting_search_path
            and self.search_path_set_schemas is not None
            and self.schema_name
            and self.search_path_set_schemas == self._get_cursor_search_paths()
        ):
            return
        self.search_path_set_schemas = None
        super()._handle_search_path(cursor)

    def make_cursor(self, cursor):
        return TrackingCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return TrackingCursorDebugWrapper(cursor, self)
