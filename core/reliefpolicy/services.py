"""Read and set the district's relief rules (``ReliefPolicy``); one row per district, defaults on first read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.reliefpolicy.amounts import parse_amount
from core.reliefpolicy.models import ReliefPolicy
from tenants.models import District

EDITABLE = (
    "whole_working_days",
    "extended_working_days",
    "notice_min_days",
    "confirm_working_days",
    "refusal_notice_working_days",
    "temporary_decide_working_days",
    "emergency_help_hours",
    "emergency_paperwork_working_days",
    "street_decision_limit",
    "payment_due_day",
    "enrolment_monthly_ceiling",
    "temporary_ceiling",
    "heating_subsidy_ceiling",
    "material_aid_ceiling",
)
AMOUNT_SETTINGS = (
    "street_decision_limit",
    "enrolment_monthly_ceiling",
    "temporary_ceiling",
    "heating_subsidy_ceiling",
    "material_aid_ceiling",
)


def relief_policy_for(district: District | None) -> ReliefPolicy:
    """The district's rules (an unsaved default row when the district has none or is None)."""
    if district is None:
        return ReliefPolicy()
    policy = ReliefPolicy.objects.filter(district=district).first()
    return policy or ReliefPolicy(district=district)


@transaction.atomic
def relief_policy_set(*, actor, district: District, **changes) -> ReliefPolicy:
    """Change some of the district's rules (``campaign.manage``). Every duration is at least 1; the
    extension at least the normal time limit; the street's limit in yuan (Decimal, >= 0); the payment
    due day 1..28. Raises ValidationError (field -> messages), nothing changed."""
    ensure_can(actor, "campaign.manage")
    policy = ReliefPolicy.objects.select_for_update().filter(district=district).first() or ReliefPolicy(
        district=district
    )
    before = model_snapshot(policy) if policy.pk else None
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            errors[name] = ["未知设置项 / unknown setting"]
            continue
        if name in AMOUNT_SETTINGS:
            try:
                value = parse_amount(value, name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        else:
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[name] = ["请填写整数 / a whole number is required"]
                continue
            if value < 1 or value > 366:
                errors[name] = ["应在 1 到 366 之间 / must be between 1 and 366"]
                continue
        setattr(policy, name, value)
    if not errors and policy.extended_working_days < policy.whole_working_days:
        errors["extended_working_days"] = ["延长时限不能短于总时限 / the extension must not be shorter"]
    if not errors and policy.payment_due_day > 28:
        errors["payment_due_day"] = ["发放截止日应在 1 到 28 日之间 / due day must be 1..28"]
    if errors:
        raise ValidationError(errors)
    policy.save()
    audit_record(actor=actor, action="relief_policy.set", obj=policy, before=before, after=model_snapshot(policy))
    return policy
