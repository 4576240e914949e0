"""API: the signed-in user, the unit tree, and role grants for the unit administrator."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer
from stq.core.errors import AppError, NotFound

from . import policy, selectors, services
from .models import Role, RoleGrant, Unit, User


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "level_label", "parent", "path", "depth", "region",
                  "valid_from", "valid_to", "is_department_scope"]


class GrantSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "user", "role", "unit", "include_units_below", "granted_by", "granted_at", "revoked_at"]


class GrantInSerializer(serializers.Serializer):
    user = serializers.CharField(max_length=150, help_text="username")
    role = serializers.ChoiceField(choices=Role.choices)
    include_units_below = serializers.BooleanField(default=False)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    unit = UnitSerializer(allow_null=True)
    roles = GrantSerializer(many=True)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(MeSerializer({
            "username": user.username,
            "full_name": user.get_full_name(),
            "unit": user.unit,
            "roles": policy.active_grants(user),
        }).data)


class UnitListView(APIView):
    @extend_schema(responses=UnitSerializer(many=True))
    def get(self, request):
        return Response(UnitSerializer(selectors.unit_tree().select_related("parent"), many=True).data)


def _admin_unit(user, code: str) -> Unit:
    unit = selectors.administered_unit(user, code)
    if unit is None:
        raise NotFound("not_found", _("Not found."))
    return unit


class GrantListView(APIView):
    """The unit administrator's grants of their own unit."""

    @extend_schema(responses={200: GrantSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, code: str):
        unit = _admin_unit(request.user, code)
        return Response(GrantSerializer(selectors.grants_of_unit(unit), many=True).data)

    @extend_schema(request=GrantInSerializer,
                   responses={201: GrantSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                              409: ErrorSerializer})
    def post(self, request, code: str):
        unit = _admin_unit(request.user, code)
        data = GrantInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(username=data.validated_data["user"]).first()
        if user is None:
            raise AppError("unknown_user", _("Unknown user."), field="user")
        grant = services.role_grant(
            actor=request.user, user=user, role=data.validated_data["role"], unit=unit,
            include_units_below=data.validated_data["include_units_below"],
        )
        return Response(GrantSerializer(grant).data, status=201)


class GrantDetailView(APIView):
    @extend_schema(responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def delete(self, request, code: str, grant_id: int):
        unit = _admin_unit(request.user, code)
        grant = get_object_or_404(RoleGrant, pk=grant_id, unit=unit)
        services.role_revoke(actor=request.user, grant=grant)
        return Response(status=204)
