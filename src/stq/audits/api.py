"""API: /api/v1/audit-proposals/ (list, create, read, actions incl. opening the case) and /api/v1/audit-cases/ (list,
read, step actions, decisions, conclusion, penalties, payments, complaints). Errors: 409 state conflict, 400 with a
code for a broken rule, 404 for what the user may not see."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.collection.models import RiskArea
from stq.core.api import ErrorSerializer, refused_input
from stq.core.api_schema import page_of
from stq.core.errors import AppError
from stq.enterprises.api import EnterpriseByTaxCodeField
from stq.org import policy
from stq.org.models import Unit

from . import selectors, services
from .models import (
    TAX_TYPES,
    AuditCase,
    AuditConclusion,
    AuditDecision,
    AuditGround,
    AuditMode,
    AuditProposal,
    Complaint,
    ComplaintResult,
    ConclusionFinding,
    DecisionKind,
    Payment,
    PaymentKind,
    PenaltyDecision,
)

PWF = AuditProposal.workflow
CWF = AuditCase.workflow
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _overdue(obj) -> bool:
    return bool(obj.due_on and obj.due_on < timezone.localdate())


# --- out ------------------------------------------------------------------------------------------------------
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
                  "department_scope", "proposed_by", "filed_at", "duplicate_warning", "duplicates", "approved_by",
                  "approved_at", "approval_note", "due_on", "due_kind", "overdue", "version", "created_at", "legacy",
                  "case_id", "available_actions"]

    def get_state_label(self, obj) -> str:
        return PWF.state_label(obj.state)

    def get_overdue(self, obj) -> bool:
        return _overdue(obj)

    def get_case_id(self, obj) -> int | None:
        case = getattr(obj, "case", None)  # the list selects it with the proposal: no query per row
        return case.pk if case is not None else None

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in PWF.available(request.user, obj)] if request else []


class DecisionSerializer(serializers.ModelSerializer):
    signer_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditDecision
        fields = ["id", "kind", "number", "signed_on", "signer_name", "signer_title", "signer_unit",
                  "signer_authority", "team_leader", "team_members", "start_on", "duration_working_days",
                  "extension_working_days", "reason_code", "reason", "delivered_on", "delivery_method",
                  "delivery_due_on", "recorded_at", "recorded_late", "recording_delay_days", "legacy"]


class FindingSerializer(serializers.ModelSerializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tax_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = ConclusionFinding
        fields = ["risk_area", "finding", "has_violation", "declarations_count", *TAX_TYPES, "fine", "late_interest",
                  "tax_total"]


class ConclusionSerializer(serializers.ModelSerializer):
    findings = FindingSerializer(many=True, read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AuditConclusion
        fields = ["id", "number", "signed_on", "signer_name", "signer_title", "is_result_notice", "supplementary",
                  "has_violations", "declarations_concerned", "declarations_accepted", "declarations_adjusted",
                  "declarant_reservation", "handling_measures", "recorded_at", "recorded_late",
                  "recording_delay_days", "approved_by", "approved_at", "findings"]


class PenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = PenaltyDecision
        fields = ["id", "number", "issued_on", "legal_article", "amount", "signer_name"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "paid_on", "kind", "amount", "reference", "recorded_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "instance", "filed_on", "complainant", "contested", "resolver_name", "resolver_unit",
                  "decision_number", "decided_on", "result", "outcome"]


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
        return _overdue(obj)

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


# --- in -------------------------------------------------------------------------------------------------------
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
    planned_team = serializers.CharField(required=False, allow_blank=True, default="")
    planned_start = serializers.DateField()
    info_collection = serializers.IntegerField(required=False, allow_null=True, default=None)
    department_scope = serializers.BooleanField(default=False)


class DecisionInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False, default=DecisionKind.ORIGINAL)
    number = serializers.CharField(max_length=64)
    signed_on = serializers.DateField()
    signer_name = serializers.CharField(max_length=255)
    signer_title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    signer_authority = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    team_leader = serializers.CharField(required=False, allow_blank=True, default="")
    team_members = serializers.CharField(required=False, allow_blank=True, default="")
    start_on = serializers.DateField(required=False, allow_null=True, default=None)
    duration_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    extension_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason_code = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class ProposalActionInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in PWF.transitions])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)
    decision = DecisionInSerializer(required=False, help_text="for action open_case: the audit decision")


class CaseActionInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in CWF.transitions])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)
    data = serializers.DictField(required=False, default=dict,
                                 help_text="dates of the step, e.g. {\"delivered_on\": \"2026-03-02\"}")


class FindingInSerializer(serializers.Serializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", queryset=RiskArea.objects.all())
    finding = serializers.CharField()
    has_violation = serializers.BooleanField(default=False)
    declarations_count = serializers.IntegerField(min_value=0, default=0)
    import_duty = serializers.IntegerField(min_value=0, default=0)
    vat = serializers.IntegerField(min_value=0, default=0)
    excise = serializers.IntegerField(min_value=0, default=0)
    environmental = serializers.IntegerField(min_value=0, default=0)
    trade_remedy = serializers.IntegerField(min_value=0, default=0)
    fine = serializers.IntegerField(min_value=0, default=0)
    late_interest = serializers.IntegerField(min_value=0, default=0)


class ConclusionInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    signed_on = serializers.DateField()
    signer_name = serializers.CharField(max_length=255)
    signer_title = serializers.CharField(required=False, allow_blank=True, default="")
    supplementary = serializers.BooleanField(default=False)
    has_violations = serializers.BooleanField(required=False, allow_null=True, default=None)
    declarations_concerned = serializers.IntegerField(min_value=0, default=0)
    declarations_accepted = serializers.IntegerField(min_value=0, default=0)
    declarations_adjusted = serializers.IntegerField(min_value=0, default=0)
    declarant_reservation = serializers.CharField(required=False, allow_blank=True, default="")
    handling_measures = serializers.CharField(required=False, allow_blank=True, default="")
    findings = FindingInSerializer(many=True)


class PaymentInSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=PaymentKind.choices)
    amount = serializers.IntegerField(min_value=1)
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class PenaltyInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    issued_on = serializers.DateField()
    legal_article = serializers.CharField(max_length=255)
    amount = serializers.IntegerField(min_value=1)
    signer_name = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintInSerializer(serializers.Serializer):
    instance = serializers.ChoiceField(choices=[1, 2])
    filed_on = serializers.DateField()
    complainant = serializers.CharField(max_length=255)
    contested = serializers.CharField()
    resolver_name = serializers.CharField(required=False, allow_blank=True, default="")
    resolver_unit = serializers.CharField(required=False, allow_blank=True, default="")
    decision_number = serializers.CharField(required=False, allow_blank=True, default="")
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    result = serializers.ChoiceField(choices=ComplaintResult.choices, required=False, allow_blank=True, default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _proposal(request, pk) -> AuditProposal:
    return policy.access(selectors.proposals_visible_to(request.user), request.user, pk=pk)


def _case(request, pk) -> AuditCase:
    return policy.access(selectors.cases_visible_to(request.user), request.user, pk=pk)


def _proposal_out(request, obj, code=status.HTTP_200_OK):
    obj = AuditProposal.objects.get(pk=obj.pk)
    return Response(ProposalSerializer(obj, context={"request": request}).data, status=code)


def _case_out(request, obj, code=status.HTTP_200_OK):
    obj = AuditCase.objects.get(pk=obj.pk)
    return Response(CaseDetailSerializer(obj, context={"request": request}).data, status=code)


def _decision_values(values: dict) -> dict:
    values.pop("version", None)
    values.pop("kind", None)
    return {k: v for k, v in values.items() if v not in (None, "")}


# --- views ----------------------------------------------------------------------------------------------------
class ProposalListView(APIView):
    @extend_schema(parameters=[OpenApiParameter(n, str) for n in ("state", "unit", "enterprise", "mode", "ground")]
                   + [OpenApiParameter("year", int), OpenApiParameter("overdue", bool), OpenApiParameter("page", int)],
                   responses={200: page_of(ProposalSerializer)})
    def get(self, request):
        p = request.query_params
        qs = selectors.filter_proposals(
            selectors.proposals_visible_to(request.user), state=p.get("state"),
            unit=Unit.objects.filter(code=p.get("unit")).first() if p.get("unit") else None,
            enterprise=p.get("enterprise"), mode=p.get("mode"), ground=p.get("ground"),
            year=int(p["year"]) if (p.get("year") or "").isdigit() else None,
            overdue=p.get("overdue") in ("1", "true", "True"),
        ).order_by("-created_at", "-pk").prefetch_related("risk_areas").select_related("case")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ProposalSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=AuditProposalInSerializer, responses={201: ProposalSerializer, **ERRORS},
                   description="Record a proposal (draft). The officer must have searched the enterprise first "
                               "(GET /api/v1/enterprises/?q=… records the search).")
    def post(self, request):
        values = _valid(AuditProposalInSerializer, request)
        ic_id = values.pop("info_collection", None)
        if ic_id:
            from stq.collection.selectors import info_collections_visible_to

            values["info_collection"] = policy.access(info_collections_visible_to(request.user), request.user,
                                                      pk=ic_id)
        obj = services.proposal_create(actor=request.user, **values)
        return _proposal_out(request, obj, status.HTTP_201_CREATED)


class ProposalDetailView(APIView):
    @extend_schema(responses={200: ProposalSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return _proposal_out(request, _proposal(request, pk))


class ProposalActionView(APIView):
    @extend_schema(request=ProposalActionInSerializer, responses={200: ProposalSerializer, 201: CaseDetailSerializer,
                                                                  **ERRORS},
                   description="submit, approve, return, suspend, resume, cancel; open_case with `decision` (the audit "
                               "decision) opens the audit case and answers 201 with it.")
    def post(self, request, pk: int):
        obj = _proposal(request, pk)
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
                                      **_decision_values(dict(values["decision"])))
            return _case_out(request, case, status.HTTP_201_CREATED)
        obj = services.proposal_act(actor=request.user, proposal=obj, action=values["action"],
                                    note=values.get("note", ""), expected_version=values.get("version"))
        return _proposal_out(request, obj)


class CaseListView(APIView):
    @extend_schema(parameters=[OpenApiParameter(n, str) for n in ("state", "unit", "enterprise", "mode", "ground",
                                                                  "risk_area")]
                   + [OpenApiParameter("overdue", bool), OpenApiParameter("page", int)],
                   responses={200: page_of(CaseSerializer)})
    def get(self, request):
        p = request.query_params
        qs = selectors.filter_cases(
            selectors.cases_visible_to(request.user), state=p.get("state"),
            unit=Unit.objects.filter(code=p.get("unit")).first() if p.get("unit") else None,
            enterprise=p.get("enterprise"), mode=p.get("mode"), ground=p.get("ground"),
            risk_area=RiskArea.objects.filter(code=p.get("risk_area")).first() if p.get("risk_area") else None,
            overdue=p.get("overdue") in ("1", "true", "True"),
        ).order_by("-created_at", "-pk").prefetch_related("risk_areas")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseSerializer(page, many=True, context={"request": request}).data)


class CaseDetailView(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return _case_out(request, _case(request, pk))


class CaseActionView(APIView):
    @extend_schema(request=CaseActionInSerializer, responses={200: CaseDetailSerializer, **ERRORS},
                   description="deliver {delivered_on, delivery_method}, start {started_on}, end {ended_on}, "
                               "sign_minutes {minutes_signed_on}, send_draft {draft_sent_on}, receive_explanation "
                               "{explanation_on?}, request_expert {expert_requested_on}, expert_answered "
                               "{expert_received_on}, approve_conclusion, close (note), escalate (note, body).")
    def post(self, request, pk: int):
        case = _case(request, pk)
        data = CaseActionInSerializer(data=request.data)
        if not data.is_valid():
            unknown = "action" in data.errors
            raise refused_input(data.errors, code="unknown_action" if unknown else "invalid",
                                message=_("Unknown action.") if unknown else None)
        v = data.validated_data
        case = services.case_act(actor=request.user, case=case, action=v["action"], note=v.get("note", ""),
                                 data=v.get("data") or {}, expected_version=v.get("version"))
        return _case_out(request, case)


class CaseDecisionView(APIView):
    @extend_schema(request=DecisionInSerializer, responses={201: DecisionSerializer, **ERRORS},
                   description="amendment, extension (field audits, once, ≤ 10 working days), suspension "
                               "(reason_code), resumption, cancellation (reason_code and reason).")
    def post(self, request, pk: int):
        case = _case(request, pk)
        values = _valid(DecisionInSerializer, request)
        kind, version = values.get("kind"), values.get("version")
        decision = services.decision_record(actor=request.user, case=case, kind=kind, expected_version=version,
                                            **_decision_values(values))
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class CaseConclusionView(APIView):
    @extend_schema(request=ConclusionInSerializer, responses={201: ConclusionSerializer, **ERRORS})
    def post(self, request, pk: int):
        case = _case(request, pk)
        values = _valid(ConclusionInSerializer, request)
        values["findings"] = [{**f, "risk_area": f["risk_area"].pk} for f in values["findings"]]
        conclusion = services.conclusion_record(actor=request.user, case=case, **values)
        return Response(ConclusionSerializer(conclusion).data, status=status.HTTP_201_CREATED)


class CasePenaltyView(APIView):
    @extend_schema(request=PenaltyInSerializer, responses={201: PenaltySerializer, **ERRORS})
    def post(self, request, pk: int):
        row = services.penalty_record(actor=request.user, case=_case(request, pk), **_valid(PenaltyInSerializer,
                                                                                             request))
        return Response(PenaltySerializer(row).data, status=status.HTTP_201_CREATED)


class CasePaymentView(APIView):
    @extend_schema(request=PaymentInSerializer, responses={201: PaymentSerializer, **ERRORS})
    def post(self, request, pk: int):
        row = services.payment_record(actor=request.user, case=_case(request, pk), **_valid(PaymentInSerializer,
                                                                                             request))
        return Response(PaymentSerializer(row).data, status=status.HTTP_201_CREATED)


class CaseComplaintView(APIView):
    @extend_schema(request=ComplaintInSerializer, responses={201: ComplaintSerializer, **ERRORS})
    def post(self, request, pk: int):
        case = _case(request, pk)  # access first: another unit's case is a 404 whatever the body
        values = _valid(ComplaintInSerializer, request)
        values["instance"] = int(values["instance"])
        row = services.complaint_record(actor=request.user, case=case, **values)
        return Response(ComplaintSerializer(row).data, status=status.HTTP_201_CREATED)
