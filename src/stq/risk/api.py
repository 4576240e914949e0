"""API under /api/v1/risk/: enterprise and declaration risk, target lists, alerts, criteria, policy backtests."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer, Pagination
from stq.core.api_schema import page_of
from stq.core.errors import Forbidden, NotFound
from stq.core.models import RiskArea
from stq.declarations.models import Declaration
from stq.declarations.selectors import by_number
from stq.enterprises.taxcode import clean_digits
from stq.org import policy
from stq.org.models import Unit

from . import policy_backtest, selectors, services
from .criteria import KINDS
from .filters import AlertFilter
from .models import Alert, Criterion, ModelVersion, PolicyBacktest, TargetList, TargetPick
from .scoring import reason_text

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def _may_view(request) -> None:
    if not policy.can_anywhere(request.user, "risk.view"):
        raise Forbidden("forbidden", _("You do not have permission to do this."))


class HitSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    criterion_name = serializers.CharField(source="criterion.name")
    declaration = serializers.SerializerMethodField()
    registered_on = serializers.DateField()
    value = serializers.FloatField(allow_null=True)
    reference = serializers.FloatField(allow_null=True)

    def get_declaration(self, obj) -> str | None:
        return obj.declaration.number if obj.declaration_id and obj.declaration else None


class EnterpriseRiskSerializer(serializers.Serializer):
    tax_code = serializers.CharField()
    computed_on = serializers.DateField()
    score = serializers.FloatField()
    probability = serializers.FloatField()
    impact = serializers.FloatField()
    detectability = serializers.FloatField()
    duty_at_stake = serializers.IntegerField()
    risk_class = serializers.IntegerField(allow_null=True)
    compliance_level = serializers.IntegerField(allow_null=True)
    classification = serializers.CharField()
    classification_label = serializers.CharField(source="get_classification_display")
    last_audit_on = serializers.DateField(allow_null=True)
    reasons = serializers.SerializerMethodField()

    def get_reasons(self, obj) -> list[str]:
        return [reason_text(r) for r in obj.reasons]


class EnterpriseRiskView(APIView):
    @extend_schema(responses={200: EnterpriseRiskSerializer, **ERRORS},
                   description="The enterprise's current risk score, classes, reasons, history and criteria hits.")
    def get(self, request, tax_code: str):
        _may_view(request)
        risk = selectors.enterprise_risk(clean_digits(tax_code))
        if risk is None:
            raise NotFound("not_found", _("No risk assessment for this tax code yet."))
        data = EnterpriseRiskSerializer(risk).data
        data["history"] = [{"computed_on": h.computed_on, "score": h.score, "risk_class": h.risk_class,
                            "classification": h.classification}
                           for h in selectors.enterprise_risk_history(risk.tax_code)]
        data["hits"] = HitSerializer(selectors.enterprise_hits(risk.tax_code), many=True).data
        return Response(data)


class DeclarationRiskView(APIView):
    @extend_schema(responses={200: dict, **ERRORS},
                   description="The learned model's score of the declaration (probability, duty at stake, top "
                               "explanations in the request's language: `feature` is the model's column, "
                               "`feature_label` its name, `sentence` the fact behind it) and the criteria it hits. "
                               "`number`: 12 characters (or the 11-digit base).")
    def get(self, request, number: str):
        _may_view(request)
        declaration = by_number(Declaration.objects.all(), number).first()
        if declaration is None:
            raise NotFound("not_found", _("No declaration with this number."))
        score = selectors.declaration_score(declaration)
        return Response({
            "number": declaration.number,
            "tax_code": declaration.importer_exporter_tax_code,
            "registered_on": declaration.registered_on,
            "score": None if score is None else {
                "model_version": score.model.number, "probability": score.probability,
                "duty_at_stake": score.duty_at_stake, "ranking_score": score.score,
                "explanations": selectors.shown_explanations(score), "scored_at": score.scored_at},
            "hits": HitSerializer(selectors.declaration_hits(declaration), many=True).data,
        })


def _shown_number(obj) -> str | None:
    shown = getattr(obj, "shown_collection", None)  # set by selectors.show_collections
    return shown.number if shown is not None else None


class PickSerializer(serializers.ModelSerializer):
    tax_code = serializers.CharField(source="enterprise.tax_code")
    enterprise_name = serializers.CharField(source="enterprise.name")
    reasons = serializers.SerializerMethodField()
    info_collection = serializers.SerializerMethodField(help_text="its collection's number, when you may see it")

    class Meta:
        model = TargetPick
        fields = ["id", "rank", "kind", "tax_code", "enterprise_name", "score", "reasons", "info_collection"]

    def get_reasons(self, obj) -> list[str]:
        return [reason_text(r) for r in obj.reasons]

    def get_info_collection(self, obj) -> str | None:
        return _shown_number(obj)



class TargetListSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    notes = serializers.SerializerMethodField()
    picks = PickSerializer(many=True, read_only=True)

    class Meta:
        model = TargetList
        fields = ["id", "unit", "period", "period_from", "period_to", "capacity", "exploration_share", "seed",
                  "requested_by", "created_at", "seconds", "notes", "picks"]

    def get_notes(self, obj) -> list[str]:
        return [selectors.note_text(n) for n in obj.notes]


class TargetListInSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    period = serializers.CharField(max_length=7, help_text="2026, 2026-H1 or 2026-Q3")
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    exploration_share = serializers.FloatField(min_value=0, max_value=0.5, default=0.1)
    seed = serializers.IntegerField(required=False, allow_null=True, default=None)


class TargetListsView(APIView):
    @extend_schema(responses={200: page_of(TargetListSerializer)})
    def get(self, request):
        _may_view(request)
        qs = selectors.target_lists().prefetch_related("picks__enterprise", "picks__info_collection")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        selectors.show_collections(request.user, [p for t in page for p in t.picks.all()])
        return paginator.get_paginated_response(TargetListSerializer(page, many=True).data)

    @extend_schema(request=TargetListInSerializer, responses={201: TargetListSerializer, **ERRORS})
    def post(self, request):
        data = TargetListInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target_list = services.target_list_generate(actor=request.user, **data.validated_data)
        return Response(TargetListSerializer(target_list).data, status=status.HTTP_201_CREATED)


class TargetListView(APIView):
    @extend_schema(responses={200: TargetListSerializer, **ERRORS})
    def get(self, request, pk: int):
        _may_view(request)
        target_list = selectors.target_lists().filter(pk=pk).first()
        if target_list is None:
            raise NotFound("not_found", _("Not found."))
        picks = selectors.show_collections(request.user, target_list.picks.select_related("enterprise",
                                                                                          "info_collection"))
        data = TargetListSerializer(target_list).data
        data["picks"] = PickSerializer(picks, many=True).data
        return Response(data)


class AlertSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")
    handled_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    info_collection = serializers.SerializerMethodField(help_text="its collection's number, when you may see it")

    class Meta:
        model = Alert
        fields = ["id", "kind", "kind_label", "text", "tax_code", "raised_at", "details", "declaration_numbers",
                  "state", "handled_by", "handled_at", "dismiss_reason", "info_collection", "version"]

    def get_text(self, obj) -> str:
        return selectors.alert_text(obj)

    def get_info_collection(self, obj) -> str | None:
        return _shown_number(obj)


class AlertsView(generics.ListAPIView):
    """Unusual-transaction alerts, filtered by the list's one FilterSet (`state`: open by default)."""

    serializer_class = AlertSerializer
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AlertFilter
    queryset = Alert.objects.none()  # the model for the schema: its filters documented, hence checked

    def get_queryset(self):
        _may_view(self.request)
        return selectors.alerts(None)

    def paginate_queryset(self, queryset):
        return selectors.show_collections(self.request.user, super().paginate_queryset(queryset))


class CriterionSerializer(serializers.ModelSerializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", queryset=RiskArea.objects.all())
    owner_unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    kind = serializers.ChoiceField(choices=sorted(KINDS))
    params = serializers.DictField(required=False, default=dict)
    hit_rate = serializers.FloatField(read_only=True, allow_null=True, default=None)
    audited = serializers.IntegerField(read_only=True, default=0)
    confirmed = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Criterion
        fields = ["id", "code", "name", "kind", "params", "risk_area", "weight", "rationale", "instructions",
                  "valid_from", "valid_to", "owner_unit", "active", "hit_count", "enterprise_count", "last_run_at",
                  "audited", "confirmed", "hit_rate", "version"]
        read_only_fields = ["hit_count", "enterprise_count", "last_run_at", "version"]


class CriteriaView(APIView):
    @extend_schema(responses={200: CriterionSerializer(many=True)},
                   description="Criteria with hit counts and, once audits conclude, hit rates.")
    def get(self, request):
        _may_view(request)
        return Response(CriterionSerializer(selectors.criteria_with_hit_rates(), many=True).data)

    @extend_schema(request=CriterionSerializer, responses={201: CriterionSerializer, **ERRORS})
    def post(self, request):
        data = CriterionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        criterion = services.criterion_create(actor=request.user, code=values.pop("code"), **values)
        return Response(CriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)


class ResultsExportView(APIView):
    @extend_schema(responses={200: dict},
                   description="The risk results for the clearance system's channel selection (layout "
                               "stq.risk-results version 1: enterprise risk classes and compliance levels, target "
                               "lists in force, criteria hits, with the model version and the date); the same "
                               "records as the file drop (manage.py export_risk_results) and the broker.")
    def get(self, request):
        _may_view(request)
        from .results_export import document

        return Response(document())


class BacktestSerializer(serializers.ModelSerializer):
    criteria = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    model_version = serializers.SlugRelatedField(source="model", slug_field="number", read_only=True)
    requested_by = serializers.SlugRelatedField(source="created_by", slug_field="username", read_only=True)
    result = serializers.JSONField(read_only=True, help_text=(
        "When state is 'done': months[] and total, each with the declarations, the known violations and their "
        "duty, and per selection (policy, criteria, random = expected value) inspections, violations, duty, "
        "audited."))

    class Meta:
        model = PolicyBacktest
        fields = ["id", "state", "progress", "period_from", "period_to", "criteria", "model_version", "capacity",
                  "exploration_share", "seed", "requested_by", "created_at", "finished_at", "result"]


class BacktestInSerializer(serializers.Serializer):
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    criteria = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Criterion.objects.all(),
                                            required=False, default=list)
    model_version = serializers.SlugRelatedField(slug_field="number", queryset=ModelVersion.objects.all(),
                                                 required=False, allow_null=True, default=None)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000, help_text="inspections per unit and month")
    exploration_share = serializers.FloatField(min_value=0, max_value=0.5, default=0.0)
    seed = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class BacktestsView(APIView):
    @extend_schema(responses={200: page_of(BacktestSerializer)})
    def get(self, request):
        _may_view(request)
        qs = PolicyBacktest.objects.select_related("model", "created_by").prefetch_related("criteria")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(BacktestSerializer(page, many=True).data)

    @extend_schema(request=BacktestInSerializer, responses={202: BacktestSerializer, **ERRORS},
                   description="Backtest a targeting policy on a past period; computed in the background: poll "
                               "the returned backtest until its state is 'done'.")
    def post(self, request):
        data = BacktestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        backtest = policy_backtest.start(actor=request.user, **values)
        backtest.refresh_from_db()
        return Response(BacktestSerializer(backtest).data, status=status.HTTP_202_ACCEPTED)


class BacktestView(APIView):
    @extend_schema(responses={200: BacktestSerializer, **ERRORS})
    def get(self, request, pk: int):
        _may_view(request)
        backtest = PolicyBacktest.objects.filter(pk=pk).first()
        if backtest is None:
            raise NotFound("not_found", _("Not found."))
        return Response(BacktestSerializer(backtest).data)
