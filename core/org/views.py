"""Organisation pages: communities (director, hotline), grids (grid workers), buildings (head)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from core.org.forms import BuildingForm, CommunityForm, GridForm, PlaceForm
from core.org.models import Building, Community, Grid
from core.org.selectors import building_list, community_list, grid_list, street_members
from core.org.services import building_save, community_save, grid_save, member_place_assign
from core.ui.decorators import member_required
from core.ui.errors import apply_errors
from core.ui.natural import natural_key
from tenants.roles import COMMUNITY_DIRECTOR, GRID_WORKER, ROLE_SCOPE, SCOPE_COMMUNITY, SCOPE_GRID


@member_required("org.view")
def org_index(request):
    member = request.member
    communities = list(community_list(member=member))
    grids = list(grid_list(member=member))
    buildings = list(building_list(member=member))
    placed = street_members().exclude(community_id=None, grid_id=None)
    people_by_grid: dict[int, list] = {}
    people_by_community: dict[int, list] = {}
    for m in placed:
        if m.grid_id:
            people_by_grid.setdefault(m.grid_id, []).append(m)
        elif m.community_id:
            people_by_community.setdefault(m.community_id, []).append(m)
    grids.sort(key=lambda g: (g.code or "~", natural_key(g.name), g.pk))  # 第二 before 第三, 9 before 10
    buildings.sort(key=lambda b: (natural_key(b.name), b.pk))
    for grid in grids:
        people = people_by_grid.get(grid.pk, [])
        grid.grid_workers = [m for m in people if m.role == GRID_WORKER]
        grid.others = [m for m in people if m.role != GRID_WORKER]  # building heads are not grid workers
        grid.building_rows = [b for b in buildings if b.grid_id == grid.pk]
    for community in communities:
        people = people_by_community.get(community.pk, [])
        community.directors = [m for m in people if m.role == COMMUNITY_DIRECTOR]
        community.people = [m for m in people if m.role != COMMUNITY_DIRECTOR]
        community.grid_rows = [g for g in grids if g.community_id == community.pk]
    return render(
        request,
        "org/index.html",
        {
            "communities": communities,
            "can_edit": member.can("org.edit"),
            "can_place": member.can("member.manage"),
            "can_hotline": member.can("hotline.edit"),
        },
    )


def _form_page(request, *, form, title, save, success):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("org:index")
    return render(request, "registry/form.html", {"form": form, "title": title})


@member_required("org.edit")
def community_edit(request, pk: int | None = None):
    community = get_object_or_404(Community, pk=pk) if pk else None
    initial = (
        {f: getattr(community, f) for f in CommunityForm.base_fields} if community else {"kind": "community"}
    )
    form = CommunityForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=f"修改 {community}" if community else "新建社区(村)",
        save=lambda data: community_save(actor=request.member, community=community, **data),
        success="已保存社区(村)",
    )


@member_required("hotline.edit")
def community_hotline(request, pk: int):
    community = get_object_or_404(community_list(member=request.member), pk=pk)
    form = CommunityForm(
        request.POST or None, initial={f: getattr(community, f) for f in CommunityForm.base_fields}
    )
    for name in list(form.fields):
        if name not in ("hotline", "hotline_hours"):
            del form.fields[name]
    return _form_page(
        request,
        form=form,
        title=f"民政服务热线 · {community}",
        save=lambda data: community_save(actor=request.member, community=community, **data),
        success="已更新热线",
    )


@member_required("org.edit")
def grid_edit(request, pk: int | None = None):
    grid = get_object_or_404(Grid, pk=pk) if pk else None
    initial = (
        {f: getattr(grid, f) for f in GridForm.base_fields}
        if grid
        else {"community": request.GET.get("community")}
    )
    form = GridForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=f"修改网格 {grid}" if grid else "新建网格",
        save=lambda data: grid_save(actor=request.member, grid=grid, **data),
        success="已保存网格",
    )


@member_required("org.edit")
def building_edit(request, pk: int | None = None):
    building = get_object_or_404(Building, pk=pk) if pk else None
    initial = (
        {f: getattr(building, f) for f in BuildingForm.base_fields}
        if building
        else {"grid": request.GET.get("grid")}
    )
    form = BuildingForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=f"修改楼栋 {building}" if building else "新建楼栋",
        save=lambda data: building_save(actor=request.member, building=building, **data),
        success="已保存楼栋",
    )


@member_required("member.manage")
def member_place(request):
    memberships = [m for m in street_members() if ROLE_SCOPE[m.role] in (SCOPE_COMMUNITY, SCOPE_GRID)]
    form = PlaceForm(request.POST or None, memberships=memberships, initial={"grid": request.GET.get("grid")})
    by_id = {m.pk: m for m in memberships}
    return _form_page(
        request,
        form=form,
        title="分配社区(村)/网格人员",
        save=lambda data: member_place_assign(
            actor=request.member,
            membership=by_id[data["membership"]],
            community=data["community"],
            grid=data["grid"],
        ),
        success="已分配",
    )
