"""Notifications as a consumer of domain events (core.events, ADR 0040).

Services say what happened (``publish("request.assigned", ...)``); this module decides who is told
and in which words. Each event type maps to one message: recipients, title, body and dedupe key
built from the event's payload. Runs in the event's street office schema, once per event.
"""

from __future__ import annotations

from core.events.models import Event
from core.events.services import consumer
from core.notifications.services import notify


def _request_created(p: dict, actor_user_id: int | None) -> tuple[list[int], str, str, str, str]:
    # The member who took the request and keeps it needs no message about it.
    return (
        [p["assignee_user_id"]] if p["assignee_user_id"] != actor_user_id else [],
        "request.assigned",
        f"新诉求待响应：{p['number']} {p['category_label']}",
        f"{p['requester_name']}：{p['summary']}",
        f"request:{{id}}:assigned:{p['assignee_user_id']}:1",
    )


def _request_assigned(p: dict, actor_user_id: int | None):
    return (
        [p["assignee_user_id"]],
        "request.assigned",
        f"诉求指派给您：{p['number']} {p['category_label']}",
        "",
        f"request:{{id}}:assigned:{p['assignee_user_id']}:{p['round']}",
    )


def _rectification_created(p: dict, actor_user_id: int | None):
    return (
        [p["responsible_user_id"]],
        "rectification.assigned",
        f"整改任务：{p['number']} {p['title']}",
        "",
        f"rectification:{{id}}:assigned:{p['round']}",
    )


def _rectification_reopened(p: dict, actor_user_id: int | None):
    return (
        [p["responsible_user_id"]],
        "rectification.reopened",
        f"整改需重新办理：{p['number']} {p['title']}",
        "",
        f"rectification:{{id}}:reopened:{p['round']}",
    )


def _rectification_relapsed(p: dict, actor_user_id: int | None):
    return (
        [p["responsible_user_id"]],
        "rectification.relapsed",
        f"回头看发现问题反弹：{p['number']} {p['title']}",
        "",
        f"rectification:{{id}}:relapsed:{p['round']}",
    )


def _need_assigned(p: dict, actor_user_id: int | None):
    return (
        [p["responsible_user_id"]] if p["responsible_user_id"] != actor_user_id else [],
        "need.assigned",
        f"需求转派给您：{p['category_label']}（{p['household']}）",
        p["note"],
        f"need:{{id}}:assigned:{p['responsible_user_id']}:{p['assigned_at']}",
    )


# event type -> (payload, actor user id) -> (user ids, notification kind, title, body, dedupe key with {id} = subject id)
MESSAGES = {
    "request.created": _request_created,
    "request.assigned": _request_assigned,
    "rectification.created": _rectification_created,
    "rectification.reopened": _rectification_reopened,
    "rectification.relapsed": _rectification_relapsed,
    "need.assigned": _need_assigned,
}


@consumer("notifications", events=list(MESSAGES))
def notify_of(event: Event) -> list[int]:
    """Write the inbox rows (and their e-mail/SMS outbox rows) for ``event``; returns their ids."""
    user_ids, kind, title, body, key = MESSAGES[event.event_type](event.payload, event.actor_user_id)
    users = {u for u in user_ids if u}
    if not users:
        return []
    return notify(
        user_ids=users,
        kind=kind,
        title=title,
        body=body,
        url=event.payload.get("url", ""),
        dedupe_key=key.format(id=event.subject_id),
        now=event.occurred_at,
    )
