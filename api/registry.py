"""API of the street's organisation and registry: communities, grids, buildings, households, persons."""

from __future__ import annotations

import datetime as dt

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import COMMUNITY_ROWS, GRID_ROWS, HOUSEHOLD_ROWS, PLACE, InReach, Reach, TenantViewSet
from core.org.models import Building, Community, Grid
from core.org.selectors import building_list, community_list, grid_list, street_members
from core.org.services import building_save, community_save, grid_save
from core.registry.idnumbers import ID_INPUT_MAX_LENGTH
from core.registry.models import CATEGORY_CHOICES, Household, Person
from core.registry.privacy import shows_birth_date
from core.registry.selectors import (
    cross_street_duplicates,
    household_get,
    household_list,
    person_list,
)
from core.registry.services import (
    DuplicatePersonError,
    household_deactivate,
    household_reactivate,
    household_register,
    household_update,
    person_deactivate,
    person_full_id_read,
    person_reactivate,
    person_register,
    person_update,
)
from tenants.roles import GRID_WORKER

READ_WRITE = {"list": "org.view", "retrieve": "org.view", "create": "org.edit", "partial_update": "org.edit"}


class _SaveMixin:
    """create / partial_update through a service: ``save(actor, instance_or_None, data)``."""

    Input: type[serializers.Serializer]
    Output: type[serializers.Serializer]

    def _write(self, request, instance=None):
        partial = instance is not None
        serializer = self.Input(data=request.data, partial=partial, context={"request": request})
        serializer.is_valid(raise_exception=True)
        obj = self.save(request.member, instance, dict(serializer.validated_data))
        return Response(
            self.Output(obj, context={"request": request}).data,
            status=status.HTTP_200_OK if partial else status.HTTP_201_CREATED,
        )

    def create(self, request, *args, **kwargs):
        return self._write(request)

    def partial_update(self, request, *args, **kwargs):
        return self._write(request, self.get_object())


# --- communities, grids, buildings --------------------------------------------------------------
class CommunityOut(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "kind",
            "code",
            "address",
            "director_name",
            "director_phone",
            "hotline",
            "hotline_hours",
            "sort_order",
            "is_active",
        ]


class CommunityIn(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = [f for f in CommunityOut.Meta.fields if f != "id"]
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


@extend_schema(tags=["org"], request=CommunityIn, responses=CommunityOut)
class CommunityViewSet(_SaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Communities / villages (社区/村) with director and the published civil-affairs hotline."""

    queryset = Community.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = READ_WRITE
    reach = COMMUNITY_ROWS
    serializer_class = Output = CommunityOut
    Input = CommunityIn
    filterset_fields = ["kind", "is_active"]

    def rows(self):
        return community_list(member=self.request.member).order_by("sort_order", "name", "id")

    def save(self, actor, instance, data):
        return community_save(actor=actor, community=instance, **data)


class GridOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    workers = serializers.SerializerMethodField()

    class Meta:
        model = Grid
        fields = ["id", "community", "community_name", "name", "code", "is_active", "workers"]

    def get_workers(self, grid) -> list[dict]:
        cache = self.context.setdefault("_workers", {})
        if not cache:
            for m in street_members(roles=[GRID_WORKER]).exclude(grid_id=None):
                cache.setdefault(m.grid_id, []).append({"user_id": m.user_id, "name": m.user.display_name()})
            cache.setdefault(0, [])
        return cache.get(grid.pk, [])


class GridIn(serializers.ModelSerializer):
    community = InReach(Community, what="社区", reach=COMMUNITY_ROWS)

    class Meta:
        model = Grid
        fields = ["community", "name", "code", "is_active"]
        validators: list = []


@extend_schema(tags=["org"], request=GridIn, responses=GridOut)
class GridViewSet(_SaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Grids (网格) of the communities, with their grid workers (memberships with this grid)."""

    queryset = Grid.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = READ_WRITE
    reach = GRID_ROWS
    serializer_class = Output = GridOut
    Input = GridIn
    filterset_fields = ["community", "is_active"]

    def rows(self):
        return grid_list(member=self.request.member)

    def save(self, actor, instance, data):
        return grid_save(actor=actor, grid=instance, **data)


class BuildingOut(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "grid", "name", "address", "head_user_id", "head_name", "head_phone"]


class BuildingIn(serializers.ModelSerializer):
    grid = InReach(Grid, what="网格", reach=GRID_ROWS)

    class Meta:
        model = Building
        fields = ["grid", "name", "address", "head_user_id", "head_name", "head_phone"]
        validators: list = []


@extend_schema(tags=["org"], request=BuildingIn, responses=BuildingOut)
class BuildingViewSet(_SaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Buildings (楼栋) with their building head (楼栋长)."""

    queryset = Building.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = READ_WRITE
    reach = Reach(grid="grid")
    serializer_class = Output = BuildingOut
    Input = BuildingIn
    filterset_fields = ["grid", "grid__community"]

    def rows(self):
        return building_list(member=self.request.member).order_by("grid_id", "name", "id")

    def save(self, actor, instance, data):
        return building_save(actor=actor, building=instance, **data)


class DeactivateIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ReactivateIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class HouseholdReactivateIn(ReactivateIn):
    persons = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="ids of the household's inactive persons to bring back with it (default: none)",
    )


# --- households -------------------------------------------------------------------------------
class HouseholdOut(serializers.ModelSerializer):
    person_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "community",
            "grid",
            "building",
            "address",
            "no_fixed_address",
            "phone",
            "phone_only",
            "phone_only_reason",
            "notes",
            "person_count",
            "created_at",
            "updated_at",
        ]


class HouseholdIn(serializers.Serializer):
    number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    community = InReach(Community, what="社区", reach=COMMUNITY_ROWS)
    grid = InReach(Grid, what="网格", reach=GRID_ROWS)
    building = InReach(Building, what="楼栋", reach=Reach(grid="grid"), required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    no_fixed_address = serializers.BooleanField(required=False, default=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone_only = serializers.BooleanField(required=False, default=False)
    phone_only_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class HouseholdFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=CATEGORY_CHOICES, method="by_category")
    address = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Household
        fields = ["community", "grid", "building", "phone_only", "number"]

    def by_category(self, qs, _name, value):
        return qs.filter(persons__categories__contains=[value]).distinct()


@extend_schema(tags=["registry"], request=HouseholdIn, responses=HouseholdOut)
class HouseholdViewSet(_SaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Households (户) in the member's reach."""

    queryset = Household.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = {
        "list": "household.view",
        "retrieve": "household.view",
        "create": "household.edit",
        "partial_update": "household.edit",
        "deactivate": "household.edit",
        "reactivate": "household.edit",
    }
    reach = PLACE
    serializer_class = Output = HouseholdOut
    Input = HouseholdIn
    filterset_class = HouseholdFilter

    def rows(self):
        if self.action == "reactivate":  # off the roster: only to put it back
            return Household.objects.select_related("community", "grid", "building")
        return household_list(member=self.request.member, heads=False).order_by("id")

    def save(self, actor, instance, data):
        if instance is None:
            household = household_register(actor=actor, **data)
        else:
            household = household_update(actor=actor, household=instance, **data)
        return self.get_queryset().get(pk=household.pk)

    @extend_schema(request=DeactivateIn, responses={204: None})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the household (and its persons) off the roster with a reason; its records stay."""
        household_deactivate(
            actor=request.member,
            household=self.get_object(),
            reason=self.validated(DeactivateIn, request.data)["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=HouseholdReactivateIn, responses=HouseholdOut)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Put a deregistered household back on the roster with a reason (and the listed persons)."""
        data = self.validated(HouseholdReactivateIn, request.data)
        household = household_reactivate(
            actor=request.member,
            household=self.get_object(),
            reason=data["reason"],
            person_ids=data["persons"],
        )
        return Response(HouseholdOut(household_list(member=request.member, heads=False).get(pk=household.pk)).data)


# --- persons ------------------------------------------------------------------------------------
class PersonOut(serializers.ModelSerializer):
    id_number = serializers.CharField(
        source="id_masked", read_only=True, help_text="masked: 140402**********34"
    )
    birth_date = serializers.SerializerMethodField(
        help_text="only for roles with person.view_full_id (null otherwise; see age)"
    )
    age = serializers.SerializerMethodField(help_text="age in whole years today (Beijing time)")
    duplicate_in = serializers.SerializerMethodField(
        help_text="other street offices of the district with this ID"
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "household",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "age",
            "phone",
            "relation",
            "categories",
            "dibao_status",
            "extreme_poverty_status",
            "notes",
            "duplicate_in",
            "created_at",
            "updated_at",
        ]

    def get_birth_date(self, person) -> dt.date | None:
        request = self.context.get("request")
        return person.birth_date if shows_birth_date(getattr(request, "member", None)) else None

    def get_age(self, person) -> int | None:
        return person.age

    def get_duplicate_in(self, person) -> list[str]:
        dupes = self.context.get("duplicates")
        if dupes is None:
            dupes = {}
            for d in cross_street_duplicates(person_ids=[person.pk]):
                dupes.setdefault(d.person_id, []).append(d.other_office)
        return dupes.get(person.pk, [])


class PersonIn(serializers.Serializer):
    household = InReach(Household, what="户", reach=PLACE)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(
        max_length=ID_INPUT_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="18 characters; spaces and full-width digits are normalised (core.registry.idnumbers.id_normalize)",
    )
    phone = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    relation = serializers.ChoiceField(choices=Person.Relation.choices, default="head")
    categories = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    dibao_status = serializers.ChoiceField(choices=Person.SupportStatus.choices, default="none")
    extreme_poverty_status = serializers.ChoiceField(choices=Person.SupportStatus.choices, default="none")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PersonFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter(field_name="household__community_id")
    grid = django_filters.NumberFilter(field_name="household__grid_id")
    category = django_filters.ChoiceFilter(choices=CATEGORY_CHOICES, method="by_category")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Person
        fields = [
            "household",
            "community",
            "grid",
            "relation",
            "dibao_status",
            "extreme_poverty_status",
            "sex",
        ]

    def by_category(self, qs, _name, value):
        return qs.filter(categories__contains=[value])


def _duplicate_details(exc: DuplicatePersonError) -> dict:
    """The holder of the ID number: its URL when active; when off the roster, the way to put it back."""
    existing = exc.existing
    if not exc.in_reach:  # outside the actor's reach: registered here, and whom to ask — nothing more
        return {"id_number": exc.messages, "contacts": exc.contacts}
    details = {
        "id_number": exc.messages,
        "existing_person": existing.pk,
        "existing_active": existing.is_active,
    }
    if existing.is_active:
        details["existing_url"] = f"/api/v1/persons/{existing.pk}/"
    elif existing.household.is_active:
        details["reactivate_url"] = f"/api/v1/persons/{existing.pk}/reactivate/"
    else:
        details["reactivate_url"] = f"/api/v1/households/{existing.household_id}/reactivate/"
    return details


@extend_schema_view(
    create=extend_schema(request=PersonIn, responses={201: PersonOut}),
    partial_update=extend_schema(request=PersonIn, responses=PersonOut),
)
@extend_schema(tags=["registry"])
class PersonViewSet(_SaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Persons with their target categories. ID numbers are masked; `full-id` returns the full number
    to roles with person.view_full_id and writes an audit event."""

    queryset = Person.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = {
        "list": "household.view",
        "retrieve": "household.view",
        "create": "household.edit",
        "partial_update": "household.edit",
        "full_id": "person.view_full_id",
        "deactivate": "household.edit",
        "reactivate": "household.edit",
    }
    reach = HOUSEHOLD_ROWS
    serializer_class = Output = PersonOut
    Input = PersonIn
    filterset_class = PersonFilter

    def rows(self):
        if self.action == "reactivate":  # off the roster: only to put them back
            return Person.objects.select_related("household__community", "household__grid")
        return person_list(member=self.request.member).order_by("id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "action", None) == "list" and hasattr(self.request, "member"):
            dupes: dict[int, list[str]] = {}
            for d in cross_street_duplicates():
                dupes.setdefault(d.person_id, []).append(d.other_office)
            context["duplicates"] = dupes
        return context

    def save(self, actor, instance, data):
        household = data.pop("household", None)
        try:
            if instance is None:
                household = household_get(member=actor, pk=household.pk)
                return person_register(actor=actor, household=household, **data)
            if household is not None and household.pk != instance.household_id:
                raise serializers.ValidationError(
                    {"household": ["不能通过修改人员更换户 / cannot move a person"]}
                )
            if not data.get("id_number"):
                data.pop("id_number", None)
            return person_update(actor=actor, person=instance, **data)
        except DuplicatePersonError as exc:
            raise serializers.ValidationError(_duplicate_details(exc)) from None

    @extend_schema(request=DeactivateIn, responses={204: None})
    @action(detail=True, methods=["post"], url_path="deactivate", url_name="deactivate")
    def deactivate(self, request, pk=None):
        """Take one person off the roster (deceased, moved away) with a reason."""
        person_deactivate(
            actor=request.member,
            person=self.get_object(),
            reason=self.validated(DeactivateIn, request.data)["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReactivateIn, responses=PersonOut)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Put a deregistered person back on the roster with a reason; refused (400, with the holder)
        when the ID number is held by another active person, or while the household is off the roster."""
        reason = self.validated(ReactivateIn, request.data)["reason"]
        try:
            person = person_reactivate(actor=request.member, person=self.get_object(), reason=reason)
        except DuplicatePersonError as exc:
            raise serializers.ValidationError(_duplicate_details(exc)) from None
        return Response(PersonOut(person, context=self.get_serializer_context()).data)

    @extend_schema(
        responses=inline_serializer(
            "FullId", {"id": serializers.IntegerField(), "id_number": serializers.CharField()}
        )
    )
    @action(detail=True, methods=["get"], url_path="full-id")
    def full_id(self, request, pk=None):
        person = self.get_object()
        reason = request.query_params.get("reason", "")
        return Response(
            {
                "id": person.pk,
                "id_number": person_full_id_read(actor=request.member, person=person, reason=reason),
            }
        )
