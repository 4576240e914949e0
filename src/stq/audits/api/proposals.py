"""API of audit proposals: GET/POST /api/v1/audit-proposals/, GET /api/v1/audit-proposals/{id}/, POST
/api/v1/audit-proposals/{id}/actions/ (the steps, and open_case with the audit decision)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer, refused_input
from stq.core.errors import AppError
from stq.core.limits import NOTE_MAX
from stq.core.models import RiskArea
from stq.enterprises.api import EnterpriseByTaxCodeField
from stq.org import policy
from stq.org.models import Unit
from stq.workflow.api import ScopedListView, detail_response

from .. import services
from ..filters import AuditProposalFilter
from ..models import (
    AuditGround,
    AuditMode,
    AuditProposal,
)
from .cases import CaseDetailSerializer, case_out
from .common import ERRORS, PWF, get_proposal, overdue, valid
from .decisions import DecisionInSerializer, decision_values


class ProposalSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    approval_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    enterprise = serializers.SlugRelatedField(slug_field="tax_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    risk_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    state_label = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    case_id = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = AuditProposal
        fields = ["id", "number", "year", "state", "state_label", "unit", "approval_unit", "enterprise",
                  "enterprise_name", "mode", "ground", "risk_areas", "period_from", "period_to",
                  "declaration_numbers", "reason", "planned_team", "planned_start", "info_collection",
                  "department_scope", "paper_approved_on", "recorded_late", "recording_delay_days", "proposed_by",
                  "filed_at", "duplicate_warning", "duplicates", "approved_by",
                  "approved_at", "approval_note", "due_on", "due_kind", "overdue", "version", "created_at", "legacy",
                  "case_id", "available_actions"]

    def get_state_label(self, obj) -> str:
        return PWF.state_label(obj.state)

    def get_overdue(self, obj) -> bool:
        return overdue(obj)

    def get_case_id(self, obj) -> int | None:
        case = getattr(obj, "case", None)  # the list selects it with the proposal: no query per row
        return case.pk if case is not None else None

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in PWF.available(request.user, obj)] if request else []


class AuditProposalInSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    enterprise = EnterpriseByTaxCodeField()
    mode = serializers.ChoiceField(choices=AuditMode.choices)
    ground = serializers.ChoiceField(choices=AuditGround.choices)
    risk_areas = serializers.SlugRelatedField(slug_field="code", many=True, queryset=RiskArea.objects.all())
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    declaration_numbers = serializers.ListField(child=serializers.CharField(max_length=12), required=False,
                                                default=list)
    reason = serializers.CharField()
    planned_team = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    planned_start = serializers.DateField()
    info_collection = serializers.IntegerField(required=False, allow_null=True, default=None)
    department_scope = serializers.BooleanField(default=False)
    paper_approved_on = serializers.DateField(help_text="The day the proposal was approved on paper (required; "
                                                        "recorded more than 1 day later: flagged late).")


class ProposalActionInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in PWF.transitions])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    version = serializers.IntegerField(required=False)
    decision = DecisionInSerializer(required=False, help_text="for action open_case: the audit decision")


def proposal_out(request, obj, code=status.HTTP_200_OK):
    return detail_response(request, ProposalSerializer, obj, code)


class ProposalListView(ScopedListView):
    """The audit proposals the user may see (their one scope), filtered by the list's one FilterSet."""

    model = AuditProposal
    serializer_class = ProposalSerializer
    filterset_class = AuditProposalFilter

    def related(self, qs):
        return qs.prefetch_related("risk_areas").select_related("case")

    @extend_schema(request=AuditProposalInSerializer, responses={201: ProposalSerializer, **ERRORS},
                   description="Record a proposal (draft). The officer must have searched the enterprise first "
                               "(GET /api/v1/enterprises/?q=… records the search).")
    def post(self, request):
        values = valid(AuditProposalInSerializer, request)
        ic_id = values.pop("info_collection", None)
        if ic_id:
            from stq.collection.selectors import info_collections_visible_to

            values["info_collection"] = policy.access(info_collections_visible_to(request.user), request.user,
                                                      pk=ic_id)
        obj = services.proposal_create(actor=request.user, **values)
        return proposal_out(request, obj, status.HTTP_201_CREATED)


class ProposalDetailView(APIView):
    @extend_schema(responses={200: ProposalSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return proposal_out(request, get_proposal(request, pk))


class ProposalActionView(APIView):
    @extend_schema(request=ProposalActionInSerializer, responses={200: ProposalSerializer, 201: CaseDetailSerializer,
                                                                  **ERRORS},
                   description="submit, approve, return, suspend, resume, cancel; open_case with `decision` (the audit "
                               "decision) opens the audit case and answers 201 with it.")
    def post(self, request, pk: int):
        obj = get_proposal(request, pk)
        data = ProposalActionInSerializer(data=request.data)
        if not data.is_valid():
            unknown = "action" in data.errors
            raise refused_input(data.errors, code="unknown_action" if unknown else "invalid",
                                message=_("Unknown action.") if unknown else None)
        values = data.validated_data
        if values["action"] == "open_case":
            if not values.get("decision"):
                raise AppError("required", _("Enter the audit decision."), field="decision")
            case = services.case_open(actor=request.user, proposal=obj,
                                      **decision_values(dict(values["decision"])))
            return case_out(request, case, status.HTTP_201_CREATED)
        obj = services.proposal_act(actor=request.user, proposal=obj, action=values["action"],
                                    note=values.get("note", ""), expected_version=values.get("version"))
        return proposal_out(request, obj)
