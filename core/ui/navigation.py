"""The navigation table: (label, url name, action, site). Pages appear only for roles that may use them.

Domain apps add their rows here; a row whose URL does not exist on the current site is skipped.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STREET, DISTRICT = "street", "district"

NAV: list[tuple[str, str, str, str]] = [
    (_("工作台"), "home", "street.view", STREET),
    (_("区级总览"), "home", "district.view", DISTRICT),
]
