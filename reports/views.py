"""Report pages (street site): generate with progress, history with SHA-256, download (audited),
the monthly narrative with sign-off, and submissions with their steps."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.org.scope import communities_in_reach
from core.ui.decorators import member_required
from core.ui.errors import error_text
from reports import services, submissions
from reports.kinds import KINDS, LOCAL, period_label, report_month_of
from reports.models import MonthlyNarrative, ReportRun
from reports.selectors import run_get, run_list, submission_get, submission_list


def current_month_period(now: dt.datetime) -> str:
    """The reporting month ``now`` falls in (21st of last month .. 20th of this month)."""
    return report_month_of(now.astimezone(LOCAL).date())


def _default_period(now: dt.datetime) -> tuple[dt.date, dt.date]:
    period = current_month_period(now)
    return submissions.period_bounds("monthly_progress", period, None)


def _kinds_for(member) -> list:
    site = "district" if member.street_office is None else "street"
    return [k for k in KINDS.values() if k.site == site]


@member_required("report.view")
def reports_page(request):
    member = request.member
    first, last = _default_period(timezone.now())
    error = ""
    if request.method == "POST":
        data = request.POST
        community = data.get("community_id", "").strip()
        try:
            run = services.report_run_create(
                actor=member, kind=data.get("kind", ""), fmt=data.get("fmt", "pdf"),
                first=data.get("first", ""), last=data.get("last", ""),
                community_id=int(community) if community.isdigit() else (0 if community else None),
            )
            messages.success(request, f"已开始生成：{run.title}")
            return redirect("reports:run", pk=run.pk)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
    runs = list(run_list(member=member)[:50])
    communities = list(communities_in_reach(member)) if member.street_office is not None else []
    return render(request, "reports/index.html", {
        "kinds": _kinds_for(member), "runs": runs, "communities": communities, "first": first, "last": last,
        "error": error, "can_submit": member.can("report.submit") or member.can("report.approve"),
    }, status=400 if error else 200)


@member_required("report.view")
def run_page(request, pk: int):
    run = run_get(member=request.member, pk=pk)
    template = "reports/_run.html" if request.headers.get("HX-Request") else "reports/run.html"
    return render(request, template, {"run": run})


@member_required("report.view")
def run_download(request, pk: int):
    run = run_get(member=request.member, pk=pk)
    if run.status != ReportRun.Status.DONE or not run.file:
        raise Http404("报表尚未生成 / not ready")
    services.report_run_download(actor=request.member, run=run)
    content_type = "application/pdf" if run.fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = FileResponse(run.file.open("rb"), content_type=content_type, as_attachment=True, filename=run.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Report-SHA256"] = run.sha256
    return response


@member_required("report.compile")
def monthly_page(request, period: str):
    member = request.member
    community_id = member.community_id if member.scope in ("community", "grid") else None
    try:
        first, last = submissions.period_bounds("monthly_progress", period, None)
    except ValidationError:
        raise Http404("no such period") from None
    item = MonthlyNarrative.objects.filter(period=period, community_id=community_id).first()
    error = ""
    typed = item.narrative if item else ""
    if request.method == "POST":
        typed = request.POST.get("narrative", "")  # shown again when refused: nothing typed is lost
        try:
            item = services.monthly_narrative_save(
                actor=member, period=period, narrative=request.POST.get("narrative", ""),
                community_id=community_id, sign_off=bool(request.POST.get("sign_off")),
            )
            messages.success(request, "已签发" if item.signed_off_at and request.POST.get("sign_off") else "已保存")
            return redirect("reports:monthly", period=period)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
    from reports.kinds import Period
    from reports.monthly import monthly_figures

    figures = monthly_figures(member=member, period=Period(first, last), community_id=community_id, now=timezone.now())
    return render(request, "reports/monthly.html", {
        "period": period, "first": first, "last": last, "item": item, "figures": figures, "error": error,
        "typed": typed,
        "can_sign": member.can("report.submit"), "community_id": community_id or "",
    }, status=400 if error else 200)


def _decorate(item) -> None:
    """What the submission pages show of an item: its title, period in words, deadline and whether
    the clock engine holds it overdue (a slot still open past its deadline)."""
    from core.deadlines.models import ClockState

    clock = submissions.submission_clock(item)
    item.due_at = clock.due_at if clock else None
    item.kind_title = KINDS[item.kind].title
    item.period_label = period_label(item.kind, item.period)
    item.overdue = bool(clock and clock.state == ClockState.OVERDUE)


@member_required("report.view")
def submissions_page(request):
    member = request.member  # a read: slots come from the scheduled step (submission_slots_ensure)
    items = list(submission_list(member=member)[:100])
    for item in items:
        _decorate(item)
    return render(request, "reports/submissions.html", {"items": items})


@member_required("report.view")
def submission_page(request, pk: int):
    item = submission_get(member=request.member, pk=pk)
    _decorate(item)
    steps = [(s, submissions.STEP_LABELS[s], s in submissions.NEEDS_REASON) for s in submissions.steps_for(request.member, item)]
    first, last = submissions.period_bounds(item.kind, item.period, request.tenant.district)
    runs = ReportRun.objects.filter(kind=item.kind, fmt="pdf", status="done", params__first=first.isoformat(),
                                    params__last=last.isoformat(), params__community_id=item.community_id)[:10]
    events = list(item.events.all())
    return render(request, "reports/submission.html", {
        "item": item, "steps": steps, "events": events, "runs": runs, "first": first, "last": last,
    })


@member_required("report.view")
@require_POST
def submission_step(request, pk: int, step: str):
    item = submission_get(member=request.member, pk=pk)
    try:
        run_id = request.POST.get("run_id")
        submissions.submission_step(actor=request.member, submission_id=item.pk, step=step,
                                    note=request.POST.get("note", ""), run_id=int(run_id) if run_id and run_id.isdigit() else None)
        messages.success(request, f"已{submissions.STEP_LABELS.get(step, step)}")
    except submissions.SubmissionConflict as exc:
        messages.error(request, f"已被他人处理：{exc}")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("reports:submission", pk=item.pk)



# --- district site -------------------------------------------------------------------------------
@member_required("report.view")
def district_submissions_page(request):
    """Every street's submissions to the district, with accept / return for the district admin."""
    from django_tenants.utils import tenant_context

    from tenants.models import StreetOffice

    member = request.member
    rows = []
    for office in StreetOffice.objects.filter(district=member.district).order_by("name"):
        with tenant_context(office):
            for item in submission_list(member=member)[:24]:
                _decorate(item)
                item.steps = [(s, submissions.STEP_LABELS[s], s in submissions.NEEDS_REASON)
                              for s in submissions.steps_for(member, item)]
                item.office = office
                item.run_obj = item.run
                rows.append(item)
    return render(request, "reports/district_submissions.html", {"items": rows})


@member_required("report.approve")
@require_POST
def district_submission_step(request, slug: str, pk: int, step: str):
    from django_tenants.utils import tenant_context

    from tenants.models import StreetOffice

    office = StreetOffice.objects.filter(slug=slug, district=request.member.district).first()
    if office is None:
        raise Http404
    with tenant_context(office):
        item = submission_get(member=request.member, pk=pk)
        try:
            submissions.submission_step(actor=request.member, submission_id=item.pk, step=step,
                                        note=request.POST.get("note", ""))
            messages.success(request, f"{office.name}：已{submissions.STEP_LABELS.get(step, step)}")
        except submissions.SubmissionConflict as exc:
            messages.error(request, f"已被他人处理：{exc}")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    return redirect("reports:district_submissions")


@member_required("report.view")
def district_run_download(request, slug: str, pk: int):
    """A street's submitted file, for the district (only files handed up to it)."""
    from django_tenants.utils import tenant_context

    from tenants.models import StreetOffice

    office = StreetOffice.objects.filter(slug=slug, district=request.member.district).first()
    if office is None:
        raise Http404
    with tenant_context(office):
        submitted = submission_list(member=request.member).filter(run_id=pk).exclude(status="draft").first()
        if submitted is None or submitted.run is None:
            raise Http404
        run = submitted.run
        services.report_run_download(actor=request.member, run=run)
        response = FileResponse(run.file.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=run.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Report-SHA256"] = run.sha256
    return response
