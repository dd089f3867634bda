"""The closed list of domain event types: name, Chinese and English label, payload keys.

``publish`` refuses a type that is not listed here and a payload whose keys differ from the listed
ones (every key of ``keys`` present, nothing outside ``keys`` + ``optional``). Adding a type is a
one-line change here plus an entry in docs/adr/0040-domain-events.md; renaming or removing one
breaks its consumers (webhooks, the district rollup), so types are only ever added.

Payload values are JSON (times as ISO 8601 aware UTC strings, money as a decimal string in yuan);
``url`` is the subject's absolute path on its street office's site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    label: str  # Chinese, shown on pages
    label_en: str
    keys: frozenset[str]
    optional: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "keys", frozenset(self.keys))
        object.__setattr__(self, "optional", frozenset(self.optional))


_PLACE = {"community_id", "grid_id"}
_CLOCK = {"clock_id", "clock_kind", "due_at", "responsible_user_id", "url"}

EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        # requests (诉求)
        EventType(
            "request.created",
            "新诉求受理",
            "request received",
            {"number", "category", "category_label", "channel", "requester_name", "summary",
             "assignee_user_id", "url"} | _PLACE,
        ),
        EventType(
            "request.assigned",
            "诉求指派",
            "request assigned",
            {"number", "category_label", "assignee_user_id", "round", "url"},
        ),
        EventType(
            "request.closed", "诉求办结", "request closed", {"number", "satisfaction", "url"} | _PLACE
        ),
        EventType("request.overdue", "诉求超时", "request overdue", _CLOCK),
        EventType("request.escalated", "诉求超时督办", "request escalated", _CLOCK | {"level", "tier"}),
        # rectifications (整改)
        EventType(
            "rectification.created",
            "整改立项",
            "rectification opened",
            {"number", "title", "source_type", "responsible_user_id", "round", "url"} | _PLACE,
        ),
        EventType(
            "rectification.reopened",
            "整改需重新办理",
            "rectification to fix again",
            {"number", "title", "responsible_user_id", "round", "url"},
        ),
        EventType(
            "rectification.relapsed",
            "整改回头看反弹",
            "rectification relapsed",
            {"number", "title", "responsible_user_id", "round", "relapse_count", "url"},
        ),
        EventType("rectification.closed", "整改销号", "rectification closed", {"number", "title", "url"}),
        # inspections (走访、需求、问题)
        EventType(
            "visit.saved",
            "走访记录保存",
            "visit saved",
            {"household_id", "visited_at", "needs", "problems"} | _PLACE,
        ),
        EventType(
            "need.created",
            "新需求登记",
            "need recorded",
            {"household_id", "need_type", "urgency", "quantity", "url"} | _PLACE,
        ),
        EventType("need.met", "需求已办结", "need met", {"household_id", "need_type", "url"} | _PLACE),
        EventType(
            "need.assigned",
            "需求转派",
            "need reassigned",
            {"household_id", "category", "category_label", "responsible_user_id", "household", "note"}
            | {"assigned_at", "url"}
            | _PLACE,
        ),
        EventType(
            "problem.created", "新问题登记", "problem recorded", {"household_id", "item", "url"} | _PLACE
        ),
        EventType("problem.fixed", "问题已整改", "problem fixed", {"household_id", "item", "url"} | _PLACE),
        # registry (户籍)
        EventType("household.created", "新登记户", "household registered", {"url"} | _PLACE),
        # relief (救助)
        EventType(
            "case.approved",
            "救助审批通过",
            "relief case approved",
            {"number", "kind", "household_id", "url"} | _PLACE,
            optional={"amount"},
        ),
        EventType(
            "payment.made",
            "救助金发放",
            "relief payment made",
            {"case_id", "household_id", "amount", "paid_on"},
        ),
        # reports (报表报送)
        EventType(
            "report.submitted",
            "报表已报送",
            "report submitted",
            {"kind", "period", "level", "url"},
            optional={"community_id"},
        ),
    )
}


def event_type(name: str) -> EventType:
    """The listed type ``name``; ``ValueError`` for a type not in the closed list."""
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise ValueError(f"unknown event type {name!r}: list it in core.events.types.EVENT_TYPES") from None
