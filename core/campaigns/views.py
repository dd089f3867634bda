"""Campaign pages. District: settings, calendar, progress of every street. Street: its tasks and SLA.
Public (no login): the hotline pages of a street office and of the district."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.campaigns import services
from core.campaigns.forms import (
    CalendarDayForm,
    CalendarUploadForm,
    CampaignForm,
    CheckDoneForm,
    DeliverableForm,
    PhaseForm,
    StreetSlaForm,
)
from core.campaigns.models import SLA_KINDS, SLA_LABELS, CalendarDay, Deliverable, DeliverableCheck, Phase
from core.campaigns.selectors import STATUS_LABELS, check_status, district_progress, street_checks
from core.deadlines.durations import RULE_TEXT, Duration
from core.ui.decorators import member_required
from core.ui.errors import apply_errors, error_text


# --- district -----------------------------------------------------------------------------------
@member_required("campaign.view")
def campaign_settings(request):
    district = request.member.district
    campaign = services.campaign_ensure(district)
    can_manage = request.member.can("campaign.manage")
    initial = {f: getattr(campaign, f) for f in services.CAMPAIGN_FIELDS}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            try:
                services.campaign_update(campaign=campaign, actor=request.member, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "已保存工作方案与时限")
                return redirect("campaign_settings")
    phases = campaign.phases.prefetch_related("deliverables")
    years = services.calendar_years(district)
    missing_years = sorted({campaign.starts_on.year, campaign.ends_on.year} - set(years))
    return render(
        request,
        "campaigns/settings.html",
        {
            "campaign": campaign,
            "form": form,
            "phases": phases,
            "can_manage": can_manage,
            "rule_text": RULE_TEXT,
            "sla": [(SLA_LABELS[k], campaign.duration(k).label) for k in SLA_KINDS],
            "missing_years": missing_years,
        },
    )


@member_required("campaign.manage")
@require_POST
def phase_save(request, pk: int):
    phase = get_object_or_404(Phase, pk=pk, campaign__district=request.member.district)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            services.phase_update(phase=phase, actor=request.member, **form.cleaned_data)
            messages.success(request, f"已保存：{phase.name}")
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, "日期格式不正确")
    return redirect("campaign_settings")


@member_required("campaign.manage")
@require_POST
def deliverable_save(request, pk: int):
    item = get_object_or_404(Deliverable, pk=pk, phase__campaign__district=request.member.district)
    form = DeliverableForm(request.POST)
    if form.is_valid():
        services.deliverable_update(
            deliverable=item, actor=request.member, due_on=form.cleaned_data["due_on"]
        )
        messages.success(request, f"已保存：{item.name}")
    else:
        messages.error(request, "日期格式不正确")
    return redirect("campaign_settings")


@member_required("campaign.view")
def calendar_page(request):
    district = request.member.district
    can_manage = request.member.can("campaign.manage")
    day_form = CalendarDayForm(prefix="day")
    upload_form = CalendarUploadForm(prefix="csv")
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if "csv-file" in request.FILES:
            upload_form = CalendarUploadForm(request.POST, request.FILES, prefix="csv")
            if upload_form.is_valid():
                text = upload_form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
                try:
                    result = services.calendar_import(district=district, text=text, actor=request.member)
                except ValidationError as exc:
                    apply_errors(upload_form, exc)
                else:
                    messages.success(request, f"已导入 {result['created']} 天，更新 {result['updated']} 天")
                    return redirect("campaign_calendar")
        elif request.POST.get("delete"):
            day = get_object_or_404(CalendarDay, pk=request.POST["delete"], district=district)
            services.calendar_day_delete(day=day, actor=request.member)
            messages.success(request, f"已删除 {day.date}")
            return redirect("campaign_calendar")
        else:
            day_form = CalendarDayForm(request.POST, prefix="day")
            if day_form.is_valid():
                services.calendar_day_set(district=district, actor=request.member, **day_form.cleaned_data)
                messages.success(request, "已保存")
                return redirect("campaign_calendar")
    years = services.calendar_years(district)
    year = int(request.GET.get("year") or (years[-1] if years else 2026))
    days = CalendarDay.objects.filter(district=district, date__year=year)
    return render(
        request,
        "campaigns/calendar.html",
        {
            "days": days,
            "years": years,
            "year": year,
            "day_form": day_form,
            "upload_form": upload_form,
            "can_manage": can_manage,
            "rule_text": RULE_TEXT,
        },
    )


@member_required("campaign.view")
def progress_page(request):
    context = district_progress(district=request.member.district)
    return render(request, "campaigns/progress.html", context)


# --- street -------------------------------------------------------------------------------------
@member_required("campaign.view")
def street_campaign(request):
    office = request.tenant
    member = request.member
    if member.can("campaign.street_edit"):
        services.deliverable_checks_ensure(office=office)
    campaign = services.campaign_ensure(office.district)
    sla = services.sla_for_street(office)
    checks = list(street_checks(office=office))
    from django.utils import timezone

    now = timezone.now()
    for check in checks:
        check.status = check_status(check, now)
        check.status_label = STATUS_LABELS[check.status]
    sla_form = StreetSlaForm(
        initial={f"{k}_amount": sla[k].amount for k in SLA_KINDS}
        | {f"{k}_unit": sla[k].unit for k in SLA_KINDS}
    )
    return render(
        request,
        "campaigns/street.html",
        {
            "campaign": campaign,
            "phases": campaign.phases.all(),
            "checks": checks,
            "can_edit": member.can("campaign.street_edit"),
            "sla": [(SLA_LABELS[k], sla[k].label, campaign.duration(k).label) for k in SLA_KINDS],
            "sla_form": sla_form,
            "done_form": CheckDoneForm(),
            "rule_text": RULE_TEXT,
        },
    )


@member_required("campaign.street_edit")
@require_POST
def street_check_done(request, pk: int):
    check = get_object_or_404(DeliverableCheck, pk=pk, street_office=request.tenant)
    form = CheckDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写佐证材料")
        return redirect("street_campaign")
    attended = [int(v) for v in request.POST.getlist("attended") if v.isdigit()]
    try:
        services.deliverable_check_done(
            check=check,
            actor=request.member,
            attended_user_ids=attended,
            evidence=form.cleaned_data["evidence"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已登记完成：{check.deliverable.name}")
    return redirect("street_campaign")


@member_required("campaign.street_edit")
@require_POST
def street_sla_save(request):
    form = StreetSlaForm(request.POST)
    if not form.is_valid():
        messages.error(request, "时限格式不正确")
        return redirect("street_campaign")
    durations = {}
    campaign = services.campaign_ensure(request.tenant.district)
    for kind in SLA_KINDS:
        amount = form.cleaned_data.get(f"{kind}_amount")
        unit = form.cleaned_data.get(f"{kind}_unit") or campaign.duration(kind).unit
        durations[kind] = Duration(amount, unit) if amount else None
    try:
        services.street_sla_set(office=request.tenant, actor=request.member, **durations)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已保存本街道时限（新登记的诉求适用）")
    return redirect("street_campaign")
