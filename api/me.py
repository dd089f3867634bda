from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.base import TenantApi


class MeApi(TenantApi):
    """The signed-in user, the current street office (or district) and the role here."""

    required_action = None

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "user": inline_serializer(
                    "MeUser",
                    {
                        "id": serializers.IntegerField(),
                        "username": serializers.CharField(),
                        "full_name": serializers.CharField(),
                        "mobile": serializers.CharField(),
                    },
                ),
                "tenant": inline_serializer(
                    "MeTenant",
                    {
                        "slug": serializers.CharField(),
                        "name": serializers.CharField(),
                        "schema": serializers.CharField(),
                    },
                    allow_null=True,
                ),
                "district": inline_serializer(
                    "MeDistrict",
                    {"code": serializers.CharField(), "name": serializers.CharField()},
                    allow_null=True,
                ),
                "roles": serializers.ListField(child=serializers.CharField()),
                "read_only": serializers.BooleanField(),
                "actions": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request):
        from tenants.roles import ACTIONS

        member = request.member
        user = request.user
        office = member.street_office
        return Response(
            {
                "user": {
                    "id": user.pk,
                    "username": user.username,
                    "full_name": user.full_name,
                    "mobile": user.mobile,
                },
                "tenant": {"slug": office.slug, "name": office.name, "schema": office.schema_name}
                if office
                else None,
                "district": {"code": member.district.code, "name": member.district.name}
                if member.district
                else None,
                "roles": [member.role],
                "read_only": member.read_only,
                "community_id": member.community_id,
                "grid_id": member.grid_id,
                "actions": sorted(a for a in ACTIONS if member.can(a)),
            }
        )
