"""API of audit cases: GET /api/v1/audit-cases/ (list), GET /api/v1/audit-cases/{id}/ (with its decisions,
conclusions, handling and figures), POST /api/v1/audit-cases/{id}/actions/ (the steps of the case)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer, refused_input
from stq.core.limits import NOTE_MAX
from stq.workflow.api import ScopedListView, detail_response

from .. import selectors, services
from ..filters import AuditCaseFilter
from ..models import (
    AuditCase,
)
from .common import CWF, ERRORS, get_case, overdue
from .conclusions import ComplaintSerializer, ConclusionSerializer, PaymentSerializer, PenaltySerializer
from .decisions import DecisionSerializer


class CaseSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="tax_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    risk_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    state_label = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = AuditCase
        fields = ["id", "number", "state", "state_label", "unit", "enterprise", "enterprise_name", "mode", "ground",
                  "risk_areas", "proposal", "decision_signed_on", "delivered_on", "planned_start_on",
                  "duration_working_days", "extension_working_days", "started_on", "ended_on", "minutes_signed_on",
                  "draft_sent_on", "explanation_on", "expert_requested_on", "expert_received_on", "concluded_on",
                  "closed_on", "due_on", "due_kind", "overdue", "version", "legacy", "available_actions"]

    def get_state_label(self, obj) -> str:
        return CWF.state_label(obj.state)

    def get_overdue(self, obj) -> bool:
        return overdue(obj)

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in CWF.available(request.user, obj)] if request else []


class CaseDetailSerializer(CaseSerializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    conclusions = ConclusionSerializer(many=True, read_only=True)
    penalties = PenaltySerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    complaints = ComplaintSerializer(many=True, read_only=True)
    figures = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "decisions", "conclusions", "penalties", "payments", "complaints",
                  "figures"]

    def get_figures(self, obj) -> dict:
        return selectors.case_figures(obj)


class CaseActionInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in CWF.transitions])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    version = serializers.IntegerField(required=False)
    data = serializers.DictField(required=False, default=dict,
                                 help_text="dates of the step, e.g. {\"delivered_on\": \"2026-03-02\"}")


def case_out(request, obj, code=status.HTTP_200_OK):
    return detail_response(request, CaseDetailSerializer, obj, code)


class CaseListView(ScopedListView):
    """The audit cases the user may see (their one scope), filtered by the list's one FilterSet."""

    model = AuditCase
    serializer_class = CaseSerializer
    filterset_class = AuditCaseFilter

    def related(self, qs):
        # the unit and the enterprise shown, the approval unit the policy reads for the actions of each row
        return qs.select_related("unit", "approval_unit", "enterprise").prefetch_related("risk_areas")


class CaseDetailView(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return case_out(request, get_case(request, pk))


class CaseActionView(APIView):
    @extend_schema(request=CaseActionInSerializer, responses={200: CaseDetailSerializer, **ERRORS},
                   description="deliver {delivered_on, delivery_method}, start {started_on}, end {ended_on}, "
                               "sign_minutes {minutes_signed_on}, send_draft {draft_sent_on}, receive_explanation "
                               "{explanation_on?}, request_expert {expert_requested_on}, expert_answered "
                               "{expert_received_on}, approve_conclusion, close (note), escalate (note, body).")
    def post(self, request, pk: int):
        case = get_case(request, pk)
        data = CaseActionInSerializer(data=request.data)
        if not data.is_valid():
            unknown = "action" in data.errors
            raise refused_input(data.errors, code="unknown_action" if unknown else "invalid",
                                message=_("Unknown action.") if unknown else None)
        v = data.validated_data
        case = services.case_act(actor=request.user, case=case, action=v["action"], note=v.get("note", ""),
                                 data=v.get("data") or {}, expected_version=v.get("version"))
        return case_out(request, case)
