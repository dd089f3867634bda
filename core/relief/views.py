"""Relief pages: cases (list, new, detail with the procedure's steps), the material ledger, payments,
patrols and holiday visits. Every page is gated by ``member_required``; reads go through selectors,
writes through services, refusals are shown in Chinese on the page (nothing already saved is lost)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.deadlines.services import clock_overdue
from core.deadlines.subjects import kind_label
from core.org.scope import communities_in_reach, scope_households
from core.relief import exports, holidays, ledger, patrols, payments, services
from core.relief import forms as f
from core.relief.models import CaseKind, CaseStatus, HolidayTarget, Payment
from core.relief.selectors import (
    CaseFilters,
    balance_list,
    balance_totals,
    case_clocks,
    case_counts,
    case_get,
    case_list,
    diversion_report,
    evidence_image_get,
    holiday_campaigns,
    holiday_confirmation_get,
    holiday_targets,
    item_list,
    movement_confirmation_get,
    movement_list,
    patrol_list,
    payment_list,
    picture_response,
)
from core.ui.decorators import member_required
from core.ui.errors import apply_errors, error_text

PAGE_SIZE = 30  # like the other boards (requests, rectifications): pages, never a silent cut


def _export_query(request) -> str:
    """The page's query string for its Excel export (filters kept, page dropped)."""
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "xlsx"
    return query.urlencode()


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _household_in_reach(member, pk):
    from core.registry.models import Household

    household = scope_households(Household.objects.filter(is_active=True), member).filter(pk=pk).first()
    if household is None:
        raise Http404("户不存在或不在您的管辖范围 / no such household in your reach")
    return household


def _household_search(member, query: str):
    from django.db.models import Q

    from core.registry.models import Household

    if not query:
        return []
    qs = scope_households(Household.objects.filter(is_active=True), member)
    return list(
        qs.filter(Q(address__icontains=query) | Q(number__icontains=query) | Q(persons__name__icontains=query))
        .select_related("community", "grid").distinct()[:20]
    )


# --- cases ---------------------------------------------------------------------------------------------
@member_required("relief.view")
def case_board(request):
    member = request.member
    p = request.GET
    filters = CaseFilters(status=p.get("status", ""), kind=p.get("kind", ""), q=p.get("q", "").strip()[:50])
    if p.get("format") in ("xlsx", "csv"):
        return exports.cases_export(request, case_list(member=member, filters=filters), p.get("format"))
    page = Paginator(case_list(member=member, filters=filters), PAGE_SIZE).get_page(p.get("page"))
    items = page.object_list
    counts = case_counts(member=member, filters=filters)
    now = timezone.now()
    for item in items:
        item.status_text = services.status_label(item)
        item.is_overdue = clock_overdue(due_at=item.next_due_at, now=now)
        item.next_clock_label = kind_label(item.next_clock_kind) if item.next_clock_kind else ""
        item.waiting_on_me = bool(services.steps_for_member(item, member))
    return render(request, "relief/board.html", {
        "items": items, "page": page, "filters": filters, "kinds": CaseKind.choices,
        "statuses": [(value, label, counts[value]) for value, label in CaseStatus.choices],
        "open_count": counts["open"], "all_count": counts["all"], "export_query": _export_query(request),
        "can_edit": member.can("relief.edit"),
    })


@member_required("relief.edit")
def case_new(request):
    member = request.member
    household_id = _int(request.GET.get("household"))
    query = request.GET.get("hq", "").strip()[:50]
    if household_id is None:
        return render(request, "relief/case_pick.html", {"query": query, "found": _household_search(member, query)})
    household = _household_in_reach(member, household_id)
    persons = list(household.persons.filter(is_active=True))
    needs = list(household.needs.filter(status__in=("open", "in_progress")))
    form = f.CaseForm(request.POST or None, persons=persons, needs=needs,
                      initial={"kind": request.GET.get("kind", CaseKind.TEMPORARY)})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_accept(actor=member, household_id=household.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已受理救助申请 {case.number}，时限已开始计时")
            return redirect("relief:case", pk=case.pk)
    return render(request, "relief/case_new.html", {"form": form, "household": household})


@member_required("relief.view")
def case_detail(request, pk: int):
    member = request.member
    case = case_get(member=member, pk=pk)
    clocks = list(case_clocks(case))
    for clock in clocks:
        clock.kind_label = kind_label(clock.kind)
    steps = [
        (step, services.step_label(case, step), f.StepForm(step=step, enrolment=case.is_enrolment, prefix=step),
         "relief:case_district" if services.step_action(case, step) == "relief.district_decide" else "relief:case_step")
        for step in services.steps_for_member(case, member)
    ]
    barred = services.steps_barred_for(case, member)
    open_case = case.status not in (CaseStatus.APPROVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.REFUSED)
    return render(request, "relief/case_detail.html", {
        "case": case, "status_text": services.status_label(case), "clocks": clocks, "steps": steps,
        "events": case.events.all(), "evidence": case.evidence.all(), "needs": case.needs.all(),
        "barred": barred,
        "evidence_form": f.EvidenceForm(prefix="ev") if member.can("relief.edit") and open_case else None,
        "extend_form": f.ExtendForm(prefix="ext")
        if case.is_enrolment and not case.extended and open_case and member.can("relief.approve") else None,
        "payments": list(case.payments.all()[:24]) if case.is_enrolment else [],
        "can_household": member.can("household.view"),
    })


@member_required("relief.view")
@require_POST
def case_step(request, pk: int, step: str):
    return _case_step(request, pk, step)


@member_required("relief.district_decide")
@require_POST
def case_district_decide(request, pk: int, step: str):
    """The district's decision on a case above the street's limit (a district account, read-only
    elsewhere in the street, may take exactly this step)."""
    if step not in ("district_approve", "district_refuse"):
        raise Http404
    return _case_step(request, pk, step)


def _case_step(request, pk: int, step: str):
    if step not in services.STEP_NAMES:
        raise Http404
    member = request.member
    case = case_get(member=member, pk=pk)
    form = f.StepForm(request.POST, step=step, enrolment=case.is_enrolment, prefix=step)
    if not form.is_valid():
        messages.error(request, "请检查填写：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("relief:case", pk=pk)
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        services.case_step(case=case, actor=member, step=step, **data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc).split(" / ")[0])
    else:
        messages.success(request, f"已{services.step_label(case, step)}：{services.status_label(case)}")
    return redirect("relief:case", pk=pk)


@member_required("relief.edit")
@require_POST
def case_evidence(request, pk: int):
    case = case_get(member=request.member, pk=pk)
    form = f.EvidenceForm(request.POST, request.FILES, prefix="ev")
    if form.is_valid():
        try:
            services.case_add_evidence(case=case, actor=request.member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "已登记调查取证")
    else:
        messages.error(request, "请填写取证方式和情况记录")
    return redirect("relief:case", pk=pk)


# --- pictures: evidence and recipients' signatures (served like the visit photos) ----------------------
@member_required("relief.view")
def evidence_image(request, pk: int, evidence_id: int):
    return picture_response(evidence_image_get(member=request.member, case_id=pk, pk=evidence_id))


@member_required("material.view")
def material_confirmation(request, pk: int):
    return picture_response(movement_confirmation_get(member=request.member, pk=pk))


@member_required("holiday.view")
def holiday_confirmation(request, pk: int):
    return picture_response(holiday_confirmation_get(member=request.member, pk=pk))


@member_required("relief.approve")
@require_POST
def case_extend(request, pk: int):
    case = case_get(member=request.member, pk=pk)
    try:
        services.case_extend(case=case, actor=request.member, reason=request.POST.get("ext-reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已延长审核确认时限")
    return redirect("relief:case", pk=pk)


# --- material ledger -----------------------------------------------------------------------------------
@member_required("material.view")
def material_ledger(request):
    member = request.member
    items, communities = list(item_list()), list(communities_in_reach(member))
    can_edit = member.can("material.edit")
    in_form = f.StockInForm(request.POST if request.POST.get("form") == "in" else None, prefix="in",
                            items=items, communities=communities)
    item_form = f.ItemForm(request.POST if request.POST.get("form") == "item" else None, prefix="item")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("当前角色无权登记物资 / your role may not record stock")
        form = in_form if request.POST.get("form") == "in" else item_form
        if form.is_valid():
            try:
                if form is in_form:
                    line = ledger.stock_in(actor=member, **form.cleaned_data)
                    messages.success(request, f"已入库 {line.item.name} {line.delta}{line.item.unit}")
                else:
                    item = ledger.item_create(actor=member, **form.cleaned_data)
                    messages.success(request, f"已添加物资：{item.name}")
                return redirect("relief:materials")
            except ValidationError as exc:
                apply_errors(form, exc)
    if request.GET.get("format") in ("xlsx", "csv"):
        return exports.movements_export(request, movement_list(member=member), request.GET.get("format"))
    page = Paginator(movement_list(member=member), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "relief/materials.html", {
        "balances": balance_list(member=member), "totals": balance_totals(member=member),
        "movements": page.object_list, "page": page, "in_form": in_form, "item_form": item_form,
        "can_edit": can_edit, "reversible": ("in", "out"), "export_query": _export_query(request),
    })


@member_required("material.edit")
def material_out(request):
    member = request.member
    household_id = _int(request.GET.get("household"))
    query = request.GET.get("hq", "").strip()[:50]
    if household_id is None:
        return render(request, "relief/case_pick.html", {
            "query": query, "found": _household_search(member, query), "purpose": "material"})
    household = _household_in_reach(member, household_id)
    persons = list(household.persons.filter(is_active=True))
    form = f.StockOutForm(request.POST or None, request.FILES or None, items=list(item_list()), persons=persons,
                          initial={"recipient_name": persons[0].name if persons else ""})
    if request.method == "POST" and form.is_valid():
        try:
            line = ledger.stock_out(actor=member, household_id=household.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已发放 {line.item.name} {line.quantity}{line.item.unit}，签收人 {line.recipient_name}")
            return redirect("relief:materials")
    return render(request, "relief/material_out.html", {"form": form, "household": household})


@member_required("material.edit")
@require_POST
def material_reverse(request, pk: int):
    if not movement_list(member=request.member).filter(pk=pk).exists():
        raise Http404
    try:
        ledger.stock_reverse(actor=request.member, movement_id=pk, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已冲正（原记录保留）")
    return redirect("relief:materials")


@member_required("material.view")
def material_diversion(request):
    member = request.member
    items, communities = list(item_list()), list(communities_in_reach(member))
    form = f.CountForm(request.POST or None, items=items, communities=communities)
    if request.method == "POST":
        if not member.can("material.edit"):
            raise PermissionDenied("当前角色无权盘点 / your role may not count stock")
        if form.is_valid():
            try:
                count = ledger.stock_count(actor=member, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记盘点：实盘 {count.counted_quantity}，账面 {count.recorded_quantity}")
                return redirect("relief:diversion")
    return render(request, "relief/diversion.html", {
        "report": diversion_report(member=member), "form": form, "can_edit": member.can("material.edit")})


# --- payments ------------------------------------------------------------------------------------------
@member_required("relief.view")
def payment_board(request):
    member = request.member
    status = request.GET.get("status", "")
    page = Paginator(payment_list(member=member, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = page.object_list
    if request.method == "POST":
        if not member.can("relief.edit"):
            raise PermissionDenied("当前角色无权登记发放 / your role may not record payments")
        payment = payment_list(member=member).filter(pk=_int(request.POST.get("payment"))).first()
        if payment is None:
            raise Http404
        if request.POST.get("action") == "correct":
            return _payment_correct(request, member, payment)
        form = f.PaymentForm(request.POST)
        if form.is_valid():
            try:
                payments.payment_record(actor=member, payment=payment, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, "已登记发放")
        else:
            messages.error(request, "请填写实发金额和发放日期")
        return redirect(request.get_full_path())
    return render(request, "relief/payments.html", {
        "rows": rows, "page": page, "status": status, "statuses": Payment.Status.choices, "can_edit": member.can("relief.edit")})


def _payment_correct(request, member, payment):
    """冲正: a reversal line plus the right payment line (or the reversal alone); never an edit."""
    form = f.PaymentCorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写冲正原因；更正发放须同时填写金额和日期"))
    else:
        try:
            payments.payment_correct(actor=member, payment=payment, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已冲正，并按更正后的记录重新核对是否足额按时"))
    return redirect(f"{request.get_full_path()}#payment-{payment.pk}")


@member_required("relief.view")
def payment_export(request):
    """The payments in reach (the board's status filter) as Excel (``?format=csv`` for CSV)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    rows = payment_list(member=request.member, status=request.GET.get("status", ""))
    return exports.payments_export(request, rows, fmt)


# --- patrols -------------------------------------------------------------------------------------------
@member_required("patrol.view")
def patrol_board(request):
    member = request.member
    now = timezone.now()
    schedule = patrols.patrol_schedule(now=now)
    schedule_form = f.ScheduleForm(request.POST or None, initial={
        "per_week": schedule.per_week, "with_enforcement": schedule.with_enforcement, "areas": schedule.areas,
        "starts_on": schedule.starts_on})
    if request.method == "POST":
        if not member.can("patrol.schedule"):
            raise PermissionDenied("当前角色无权设置巡查计划 / your role may not set the schedule")
        if schedule_form.is_valid():
            try:
                patrols.patrol_schedule_set(actor=member, **schedule_form.cleaned_data)
            except ValidationError as exc:
                apply_errors(schedule_form, exc)
            else:
                messages.success(request, "已更新巡查计划（下周起按新次数考核）")
                return redirect("relief:patrols")
    page = Paginator(patrol_list(member=member), 20).get_page(request.GET.get("page"))
    return render(request, "relief/patrols.html", {
        "patrols": page.object_list, "page": page, "weeks": patrols.patrol_compliance(weeks=8, now=now),
        "schedule": schedule, "schedule_form": schedule_form if member.can("patrol.schedule") else None,
        "can_create": member.can("patrol.create"),
    })


@member_required("patrol.create")
def patrol_new(request):
    member = request.member
    now = timezone.localtime()
    form = f.PatrolForm(request.POST or None, initial={
        "started_at": now.strftime("%Y-%m-%dT%H:%M"), "members": member.user.display_name(), "with_enforcement": True})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        met = {k.removeprefix("met_"): data.pop(k) for k in list(data) if k.startswith("met_")}
        encounters = [met] if met.get("action") or met.get("description") or met.get("place") else []
        try:
            patrols.patrol_record(actor=member, encounters=encounters, **data)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                name = "met_" + key.rsplit(".", 1)[-1] if key.startswith("encounters.") else key
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, "已记录街面巡查")
            return redirect("relief:patrols")
    return render(request, "relief/patrol_new.html", {"form": form})


# --- holiday visits ------------------------------------------------------------------------------------
@member_required("holiday.view")
def holiday_board(request):
    member = request.member
    form = f.HolidayCampaignForm(request.POST or None)
    if request.method == "POST":
        if not member.can("holiday.manage"):
            raise PermissionDenied("当前角色无权组织慰问活动 / your role may not organise campaigns")
        if form.is_valid():
            try:
                campaign = holidays.holiday_campaign_create(actor=member, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已创建慰问活动，慰问对象 {campaign.targets.count()} 人")
                return redirect("relief:holiday", pk=campaign.pk)
    return render(request, "relief/holidays.html", {
        "campaigns": holiday_campaigns(), "form": form if member.can("holiday.manage") else None})


@member_required("holiday.view")
def holiday_detail(request, pk: int):
    campaign = holiday_campaigns().filter(pk=pk).first()
    if campaign is None:
        raise Http404
    # pending targets first (holiday_targets orders by visits), the counts over all of them at the top
    targets = holiday_targets(member=request.member, campaign=campaign)
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    return render(request, "relief/holiday_detail.html", {
        "campaign": campaign, "targets": page.object_list, "page": page,
        "can_record": request.member.can("holiday.record"),
        "total": targets.count(), "pending": targets.filter(visit_count=0).count()})


@member_required("holiday.record")
def holiday_visit(request, pk: int):
    from core.org.scope import scope_to_member

    member = request.member
    target = scope_to_member(HolidayTarget.objects.select_related("campaign", "person", "household"), member).filter(
        pk=pk).first()
    if target is None:
        raise Http404
    form = f.HolidayVisitForm(request.POST or None, request.FILES or None, items=list(item_list()),
                              initial={"recipient_name": target.person.name})
    if request.method == "POST" and form.is_valid():
        try:
            holidays.holiday_visit_record(actor=member, target=target, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已记录对 {target.person.name} 的慰问")
            return redirect("relief:holiday", pk=target.campaign_id)
    return render(request, "relief/holiday_visit.html", {"form": form, "target": target,
                                                         "visits": target.visits.all()})
