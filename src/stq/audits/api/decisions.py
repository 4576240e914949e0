"""API of audit decisions: POST /api/v1/audit-cases/{id}/decisions/ (amendment, extension, suspension, resumption,
cancellation), and the decision serializers (the audit decision itself comes with open_case on the proposal)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.limits import NOTE_MAX

from .. import services
from ..models import (
    AuditDecision,
    CancellationReason,
    DecisionKind,
    SuspensionReason,
)
from .common import ERRORS, get_case, valid


class DecisionSerializer(serializers.ModelSerializer):
    signer_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditDecision
        fields = ["id", "kind", "number", "signed_on", "signer_name", "signer_title", "signer_unit",
                  "signer_authority", "team_leader", "team_members", "start_on", "duration_working_days",
                  "extension_working_days", "reason_code", "reason", "delivered_on", "delivery_method",
                  "delivery_due_on", "recorded_at", "recorded_late", "recording_delay_days", "approved_at",
                  "returned_at", "return_note", "legacy"]


class DecisionInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False, default=DecisionKind.ORIGINAL)
    number = serializers.CharField(max_length=64)
    signed_on = serializers.DateField()
    signer_name = serializers.CharField(max_length=255)
    signer_title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    signer_authority = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    team_leader = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    team_members = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    start_on = serializers.DateField(required=False, allow_null=True, default=None)
    duration_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    extension_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason_code = serializers.ChoiceField(choices=[*SuspensionReason.choices, *CancellationReason.choices],
                                          required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    version = serializers.IntegerField(required=False)


def decision_values(values: dict) -> dict:
    values.pop("version", None)
    values.pop("kind", None)
    return {k: v for k, v in values.items() if v not in (None, "")}


class CaseDecisionView(APIView):
    @extend_schema(request=DecisionInSerializer, responses={201: DecisionSerializer, **ERRORS},
                   description="amendment, extension (field audits, once, ≤ 10 working days), suspension "
                               "(reason_code), resumption, cancellation (reason_code and reason).")
    def post(self, request, pk: int):
        case = get_case(request, pk)
        values = valid(DecisionInSerializer, request)
        kind, version = values.get("kind"), values.get("version")
        decision = services.decision_record(actor=request.user, case=case, kind=kind, expected_version=version,
                                            **decision_values(values))
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
