"""Rectification ledger pages: the ledger, a new item, the item with evidence, fix, verify and look-back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.deadlines.subjects import kind_label
from core.org.scope import communities_in_reach, grids_in_reach, place_for_new
from core.org.selectors import people_choices
from core.rectification import services
from core.rectification.forms import EvidenceForm, NoteForm, RectificationForm, VerdictForm
from core.rectification.models import RectificationSource, RectificationStatus
from core.rectification.selectors import (
    RectificationFilters,
    rectification_clocks,
    rectification_get,
    rectification_list,
    rectification_summary,
)
from core.rectification.workflow import RECTIFICATION_WORKFLOW
from core.ui.decorators import member_required
from core.ui.errors import apply_errors, error_text, run_and_report
from tenants.roles import VOLUNTEER


@member_required("rectification.view")
def rectification_ledger(request):
    params = request.GET
    filters = RectificationFilters(
        status=params.get("status", ""),
        source_type=params.get("source_type", ""),
        relapsed=bool(params.get("relapsed")),
    )
    from django.core.paginator import Paginator

    page = Paginator(rectification_list(member=request.member, filters=filters), 30).get_page(params.get("page"))
    items = page.object_list
    for item in items:
        item.next_clock_label = kind_label(item.next_clock_kind) if item.next_clock_kind else ""
    return render(
        request,
        "rectification/ledger.html",
        {
            "items": items,
            "page": page,
            "filters": filters,
            "summary": rectification_summary(member=request.member),
            "statuses": RectificationStatus.choices,
            "sources": RectificationSource.choices,
        },
    )


@member_required("rectification.edit")
def rectification_new(request):
    member = request.member
    communities, grids = list(communities_in_reach(member)), list(grids_in_reach(member))
    form = RectificationForm(
        request.POST or None,
        communities=communities,
        grids=grids,
        people=people_choices(exclude_roles=(VOLUNTEER,)),
        initial={"source_type": "upstream", "responsible_user_id": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community_id, grid_id = data.pop("community"), data.pop("grid")
        try:
            community, grid = place_for_new(member, community_id=community_id, grid_id=grid_id)
            item = services.rectification_create(actor=member, community=community, grid=grid, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已立项 {item.number}")
            return redirect("rectification_detail", pk=item.pk)
    from django.urls import reverse

    return render(
        request, "rectification/new.html", {"form": form, "problems_url": reverse("inspections:problems")}
    )


@member_required("rectification.view")
def rectification_detail(request, pk: int):
    item = rectification_get(member=request.member, pk=pk)
    clocks = rectification_clocks(item)
    for clock in clocks:
        clock.kind_label = kind_label(clock.kind)
    member = request.member
    can_edit = member.can("rectification.edit")
    steps = {step.name for step in RECTIFICATION_WORKFLOW.available(item, member)}
    return render(
        request,
        "rectification/detail.html",
        {
            "item": item,
            "household": item.household,
            "source_links": {
                "problem": member.can("problem.view"),
                "visit": member.can("visit.view"),
                "request": member.can("request.view"),
                "household": member.can("household.view"),
            },
            "clocks": clocks,
            "evidence": item.evidence.all(),
            "events": item.events.all(),
            "evidence_form": EvidenceForm()
            if can_edit and item.status != RectificationStatus.CONFIRMED
            else None,
            "fix_form": NoteForm(prefix="fix") if "fix" in steps else None,
            "verify_form": VerdictForm(prefix="verify")
            if "verify_pass" in steps and item.fixed_by_id != request.user.pk
            else None,
            "fixer_cannot_verify": "verify_pass" in steps and item.fixed_by_id == request.user.pk,
            "lookback_form": VerdictForm(prefix="lookback") if "lookback_pass" in steps else None,
        },
    )


def _done(request, pk, call, *, success: str):
    """Run the step; the message says what happened (never a bare 已保存)."""
    run_and_report(request, call, success=success)
    return redirect("rectification_detail", pk=pk)


STEP_MESSAGES = {
    ("verify", True): "验收通过，已进入回头看阶段",
    ("verify", False): "验收不通过，已退回整改",
    ("lookback", True): "回头看通过，整改事项已办结",
    ("lookback", False): "回头看发现问题反弹，整改事项已重新打开",
}


@member_required("rectification.edit")
@require_POST
def rectification_evidence_add(request, pk: int):
    item = rectification_get(member=request.member, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("rectification_detail", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.rectification_add_evidence(item=item, actor=request.member, **form.cleaned_data),
        success="已添加整改证据" + ("（含照片）" if form.cleaned_data.get("photo") else ""),
    )


@member_required("rectification.edit")
@require_POST
def rectification_fix(request, pk: int):
    item = rectification_get(member=request.member, pk=pk)
    form = NoteForm(request.POST, prefix="fix")
    if not form.is_valid():
        messages.error(request, "请填写整改情况")
        return redirect("rectification_detail", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.rectification_fix(item=item, actor=request.member, **form.cleaned_data),
        success="已标记整改完成，等待其他人验收",
    )


@member_required("rectification.verify")
@require_POST
def rectification_verdict(request, pk: int, step: str):
    item = rectification_get(member=request.member, pk=pk)
    if step not in ("verify", "lookback"):
        raise Http404
    form = VerdictForm(request.POST, prefix=step)
    if not form.is_valid():
        messages.error(request, "请选择结论并填写情况说明")
        return redirect("rectification_detail", pk=pk)
    service = services.rectification_verify if step == "verify" else services.rectification_lookback
    return _done(
        request,
        pk,
        lambda: service(item=item, actor=request.member, **form.cleaned_data),
        success=STEP_MESSAGES[(step, form.cleaned_data["passed"])],
    )


@member_required("rectification.view")
def rectification_evidence_photo(request, pk: int, evidence_id: int):
    """Evidence photos are personal data: served only to members who may see the item."""
    from core.rectification.selectors import evidence_photo_response, rectification_evidence_photo_get

    return evidence_photo_response(
        rectification_evidence_photo_get(member=request.member, pk=pk, evidence_id=evidence_id)
    )


@member_required("rectification.edit")
@require_POST
def rectification_from_request_page(request, pk: int):
    """Turn request ``pk`` (in reach, else 404) into a rectification — its one path — and open it."""
    from core.requests.selectors import request_get

    obj = request_get(member=request.member, pk=pk)
    try:
        item = services.rectification_from_request(request=obj, actor=request.member)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("request_detail", pk=pk)
    messages.success(request, f"已转入整改台账 {item.number}")
    return redirect("rectification_detail", pk=item.pk)
