"""API of the conclusion and the handling: POST /api/v1/audit-cases/{id}/conclusion/, penalties/, payments/,
complaints/, with their serializers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.limits import MONEY_MAX
from stq.core.models import RiskArea

from .. import services
from ..models import (
    TAX_TYPES,
    AuditConclusion,
    Complaint,
    ComplaintResult,
    ConclusionFinding,
    Payment,
    PaymentKind,
    PenaltyDecision,
)
from .common import ERRORS, get_case, valid


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


class FindingInSerializer(serializers.Serializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", queryset=RiskArea.objects.all())
    finding = serializers.CharField()
    has_violation = serializers.BooleanField(default=False)
    declarations_count = serializers.IntegerField(min_value=0, default=0)
    import_duty = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    vat = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    excise = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    environmental = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    trade_remedy = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    fine = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)
    late_interest = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, default=0)


class ConclusionInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    signed_on = serializers.DateField()
    signer_name = serializers.CharField(max_length=255)
    signer_title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
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
    amount = serializers.IntegerField(min_value=1, max_value=MONEY_MAX)
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PenaltyInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    issued_on = serializers.DateField()
    legal_article = serializers.CharField(max_length=255)
    amount = serializers.IntegerField(min_value=1, max_value=MONEY_MAX)
    signer_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ComplaintInSerializer(serializers.Serializer):
    instance = serializers.ChoiceField(choices=[1, 2])
    filed_on = serializers.DateField()
    complainant = serializers.CharField(max_length=255)
    contested = serializers.CharField()
    resolver_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    resolver_unit = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    decision_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    result = serializers.ChoiceField(choices=ComplaintResult.choices, required=False, allow_blank=True, default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class CaseConclusionView(APIView):
    @extend_schema(request=ConclusionInSerializer, responses={201: ConclusionSerializer, **ERRORS})
    def post(self, request, pk: int):
        case = get_case(request, pk)
        values = valid(ConclusionInSerializer, request)
        values["findings"] = [{**f, "risk_area": f["risk_area"].pk} for f in values["findings"]]
        conclusion = services.conclusion_record(actor=request.user, case=case, **values)
        return Response(ConclusionSerializer(conclusion).data, status=status.HTTP_201_CREATED)


class CasePenaltyView(APIView):
    @extend_schema(request=PenaltyInSerializer, responses={201: PenaltySerializer, **ERRORS})
    def post(self, request, pk: int):
        row = services.penalty_record(actor=request.user, case=get_case(request, pk), **valid(PenaltyInSerializer,
                                                                                             request))
        return Response(PenaltySerializer(row).data, status=status.HTTP_201_CREATED)


class CasePaymentView(APIView):
    @extend_schema(request=PaymentInSerializer, responses={201: PaymentSerializer, **ERRORS})
    def post(self, request, pk: int):
        row = services.payment_record(actor=request.user, case=get_case(request, pk), **valid(PaymentInSerializer,
                                                                                             request))
        return Response(PaymentSerializer(row).data, status=status.HTTP_201_CREATED)


class CaseComplaintView(APIView):
    @extend_schema(request=ComplaintInSerializer, responses={201: ComplaintSerializer, **ERRORS})
    def post(self, request, pk: int):
        case = get_case(request, pk)  # access first: another unit's case is a 404 whatever the body
        values = valid(ComplaintInSerializer, request)
        values["instance"] = int(values["instance"])
        row = services.complaint_record(actor=request.user, case=case, **values)
        return Response(ComplaintSerializer(row).data, status=status.HTTP_201_CREATED)
