"""Writing a community's public civil-affairs hotline (shown without login on the street's hotline page)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit.services import audit_record, model_snapshot
from core.org.models import Community

HOTLINE_RE = re.compile(r"^[0-9+\-() ]{5,40}$")


@transaction.atomic
def community_hotline_set(*, community: Community, hotline: str, hours: str, actor=None) -> Community:
    hotline, hours = (hotline or "").strip(), (hours or "").strip()
    if hotline and not HOTLINE_RE.match(hotline):
        raise ValidationError({"hotline": ["电话号码格式不正确（数字、-、空格） / invalid phone number"]})
    if len(hours) > 100:
        raise ValidationError({"hotline_hours": ["服务时间过长 / too long"]})
    before = model_snapshot(community, ["hotline", "hotline_hours"])
    community.hotline, community.hotline_hours = hotline, hours
    community.save(update_fields=["hotline", "hotline_hours", "updated_at"])
    audit_record(
        actor=actor,
        action="community.hotline_set",
        obj=community,
        before=before,
        after=model_snapshot(community, ["hotline", "hotline_hours"]),
    )
    return community
