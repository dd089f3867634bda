"""Request pages: the board (most urgent first, live countdowns), registering, the detail with its steps."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.deadlines.services import clock_overdue
from core.deadlines.subjects import kind_label
from core.org.scope import communities_in_reach, grids_in_reach, place_for_new
from core.org.selectors import people_choices
from core.requests import services
from core.requests.forms import CloseForm, FeedbackForm, NoteForm, ReopenForm, RequestForm
from core.requests.models import RequestCategory, RequestStatus
from core.requests.selectors import (
    OPEN_REQUEST_STATUSES,
    RequestFilters,
    request_clocks,
    request_counts,
    request_get,
    request_list,
)
from core.requests.workflow import REQUEST_WORKFLOW
from core.ui.decorators import member_required
from core.ui.errors import apply_errors, error_text
from core.ui.panels import collect
from tenants.roles import COMMUNITY_DIRECTOR, COMMUNITY_WORKER, GRID_WORKER, STREET_STAFF


def _sla_text(office) -> str:
    from core.campaigns.services import sla_for_street

    sla = sla_for_street(office)
    return f"响应 {sla['respond'].label}、处置 {sla['handle'].label}、反馈 {sla['feedback'].label}"


def _int(value):
    try:
        return int(value) if value else None
    except ValueError:
        return None


@member_required("request.view")
def request_board(request):
    member = request.member
    params = request.GET
    filters = RequestFilters(
        status=params.get("status", ""),
        category=params.get("category", ""),
        community_id=_int(params.get("community")),
        grid_id=_int(params.get("grid")),
        q=params.get("q", "").strip(),
        mine_user_id=request.user.pk if params.get("mine") else None,
    )
    from django.core.paginator import Paginator

    page = Paginator(request_list(member=member, filters=filters), 30).get_page(params.get("page"))
    items = page.object_list
    now = timezone.now()
    for item in items:
        item.next_clock_label = kind_label(item.next_clock_kind) if item.next_clock_kind else ""
        item.is_overdue = clock_overdue(due_at=item.next_due_at, now=now)
    counts = request_counts(member=member)
    chips = [(value, label, counts[value]) for value, label in RequestStatus.choices]
    open_count = sum(counts[s] for s in ("received", "responded", "handled"))
    return render(
        request,
        "requests/board.html",
        {
            "items": items,
            "page": page,
            "filters": filters,
            "chips": chips,
            "open_count": open_count,
            "categories": RequestCategory.choices,
            "sla_text": _sla_text(request.tenant),
            "communities": communities_in_reach(member),
            "grids": grids_in_reach(member),
        },
    )


def household_choices(member, *, ids=(), query: str = "") -> list[tuple[int, str]]:
    """Households in reach offered on the request form: the given ids, plus up to 20 matching ``query``
    (address, household number or a person's name). Ids outside reach are offered as bare numbers so
    the service refuses them with its own message rather than the form hiding them."""
    from django.db.models import Q

    from core.registry.selectors import household_list

    qs = household_list(member=member)
    found = {h.pk: h for h in qs.filter(pk__in=[i for i in ids if i])}
    if query:
        matches = qs.filter(
            Q(address__icontains=query)
            | Q(number__icontains=query)
            | Q(persons__name__icontains=query, persons__is_active=True)
        ).distinct()[:20]
        found.update({h.pk: h for h in matches})

    def label(h) -> str:
        heads = "、".join(p.name for p in getattr(h, "heads", []))
        return f"{h}（{h.community.name} {h.grid.name}{'，户主 ' + heads if heads else ''}）"

    choices = [(pk, label(h)) for pk, h in found.items()]
    choices += [(i, f"#{i}") for i in ids if i and i not in found]
    return choices


def _household_initial(member, household_id: int) -> dict:
    """Pre-fill from a household in reach: the link, its head as requester, its address and phone."""
    from core.registry.selectors import household_list

    household = household_list(member=member).filter(pk=household_id).first()
    if household is None:
        return {"household_id": household_id}  # offered as a bare number; the service will refuse it
    heads = getattr(household, "heads", [])
    return {
        "household_id": household.pk,
        "requester_name": heads[0].name if heads else "",
        "requester_phone": household.phone,
        "address": household.address,
        "community": household.community_id,
        "grid": household.grid_id,
    }


@member_required("request.create")
def request_new(request):
    member = request.member
    communities, grids = list(communities_in_reach(member)), list(grids_in_reach(member))
    initial = {"channel": "grid_worker" if member.role == GRID_WORKER else "hotline"}
    if member.grid_id:
        initial["grid"] = member.grid_id
    if member.community_id:
        initial["community"] = member.community_id
    # 查找 submits the whole form (so nothing typed is lost) with ``search``: re-render, save nothing.
    searching = request.method == "POST" and "search" in request.POST
    query = (request.POST if request.method == "POST" else request.GET).get("hq", "").strip()[:50]
    picked = _int(
        request.POST.get("household_id") if request.method == "POST" else request.GET.get("household")
    )
    if picked and request.method == "GET":
        initial |= _household_initial(member, picked)
    if searching:
        typed = {name: value for name, value in request.POST.items() if name in RequestForm.base_fields and value}
        if picked:  # a household picked before searching again fills what is still blank
            typed = {k: v for k, v in _household_initial(member, picked).items() if v not in ("", None)} | typed
        initial |= typed
    households = household_choices(member, ids=[picked], query=query)
    form = RequestForm(
        None if searching else (request.POST or None),
        communities=communities,
        grids=grids,
        households=households,
        initial=initial,
    )
    if request.method == "POST" and not searching and form.is_valid():
        data = dict(form.cleaned_data)
        community_id, grid_id = data.pop("community"), data.pop("grid")
        try:
            community = grid = None  # with a household, the service takes its community and grid
            if not data.get("household_id"):
                community, grid = place_for_new(member, community_id=community_id, grid_id=grid_id)
            obj = services.request_receive(actor=member, community=community, grid=grid, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记诉求 {obj.number}，三项时限已开始计时")
            return redirect("request_detail", pk=obj.pk)
    return render(
        request,
        "requests/new.html",
        {
            "form": form,
            "household_query": query,
            "no_communities": not communities,
            "sla_text": _sla_text(request.tenant),
        },
    )


@member_required("request.view")
def request_detail(request, pk: int):
    obj = request_get(member=request.member, pk=pk)
    clocks = request_clocks(obj)
    for clock in clocks:
        clock.kind_label = kind_label(clock.kind)
    member = request.member
    steps = [
        (step.name, step.label, STEP_FORMS[step.name](prefix=step.name))
        for step in REQUEST_WORKFLOW.available(obj, member)
    ]
    return render(
        request,
        "requests/detail.html",
        {
            "obj": obj,
            "clocks": clocks,
            "events": obj.events.all(),
            "steps": steps,
            "can_household": member.can("household.view"),
            "request_panels": collect("request", member=member, subject=obj),
            "assignees": people_choices(roles=(GRID_WORKER, COMMUNITY_WORKER, COMMUNITY_DIRECTOR, STREET_STAFF))
            if member.can("request.handle") and obj.status in OPEN_REQUEST_STATUSES
            else [],
        },
    )


@member_required("request.handle")
@require_POST
def request_assign(request, pk: int):
    obj = request_get(member=request.member, pk=pk)
    try:
        assignee = int(request.POST.get("assignee_user_id", ""))
        services.request_assign(request=obj, actor=request.member, assignee_user_id=assignee)
    except ValueError:
        messages.error(request, "请选择承办人")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已指派给 {obj.assignee_name}，时限随之转交")
    return redirect("request_detail", pk=pk)


STEP_DONE = {
    "respond": "已响应",
    "handle": "已处置",
    "feedback": "已反馈",
    "close": "已办结",
    "reopen": "已重新办理，处置与反馈时限重新计时",
}
STEP_FORMS = {"respond": NoteForm, "handle": NoteForm, "feedback": FeedbackForm, "close": CloseForm, "reopen": ReopenForm}
STEP_SERVICES = {
    "respond": services.request_respond,
    "handle": services.request_handle,
    "feedback": services.request_feedback,
    "close": services.request_close,
    "reopen": services.request_reopen,
}


@member_required("request.view")
@require_POST
def request_step(request, pk: int, step: str):
    if step not in STEP_SERVICES:
        raise PermissionDenied
    form_class, service = STEP_FORMS[step], STEP_SERVICES[step]
    if not request.member.can(REQUEST_WORKFLOW.step(step).action):
        raise PermissionDenied("当前角色无权办理此步骤 / your role may not do this step")
    obj = request_get(member=request.member, pk=pk)
    form = form_class(request.POST, prefix=step)
    if not form.is_valid():
        messages.error(request, "请填写完整：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("request_detail", pk=pk)
    try:
        service(request=obj, actor=request.member, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, STEP_DONE[step])
    return redirect("request_detail", pk=pk)
