"""API: /api/v1/info-collections/ (list, create, read, edit, one endpoint for every workflow action, results) and
/api/v1/duplicates/?tax_code=… (the cross-unit duplicate search)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer
from stq.core.errors import AppError, Forbidden
from stq.core.limits import MONEY_MAX, NOTE_MAX
from stq.core.models import RiskArea
from stq.enterprises.api import EnterpriseByTaxCodeField
from stq.enterprises.taxcode import normalize_tax_code
from stq.org import policy
from stq.org.models import Unit
from stq.workflow.api import ScopedListView, detail_response

from . import selectors, services
from .filters import InfoCollectionFilter
from .models import CollectionForm, CollectionResult, InfoCollection, Recommendation

WF = InfoCollection.workflow
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ResultSerializer(serializers.ModelSerializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CollectionResult
        fields = ["risk_area", "findings", "amount_at_risk", "recommendation", "recorded_at"]


class InfoCollectionSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    approval_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="tax_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    risk_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    state_label = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    results = ResultSerializer(many=True, read_only=True)

    class Meta:
        model = InfoCollection
        fields = ["id", "number", "state", "state_label", "unit", "approval_unit", "department_scope", "enterprise",
                  "enterprise_name", "signs", "risk_areas", "collection_form", "addressee", "planned_start",
                  "planned_end", "proposed_by", "submitted_by", "submitted_at", "duplicate_warning", "duplicates",
                  "approved_by", "approved_at", "approval_note", "report_submitted_at", "leader_opinion",
                  "due_on", "due_kind", "overdue", "version", "created_at", "available_actions", "results"]

    def get_state_label(self, obj) -> str:
        return WF.state_label(obj.state)

    def get_overdue(self, obj) -> bool:
        return bool(obj.due_on and obj.due_on < timezone.localdate())

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in WF.available(request.user, obj)] if request else []


class ProposalInSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    enterprise = EnterpriseByTaxCodeField()
    signs = serializers.CharField()
    risk_areas = serializers.SlugRelatedField(slug_field="code", many=True, queryset=RiskArea.objects.all())
    collection_form = serializers.ChoiceField(choices=CollectionForm.choices)
    addressee = serializers.CharField(max_length=500)
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    department_scope = serializers.BooleanField(default=False)


class ProposalPatchSerializer(ProposalInSerializer):
    version = serializers.IntegerField(required=False, help_text="the version you read (optimistic concurrency)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["unit"]
        for field in self.fields.values():
            field.required = False


class ActionInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in WF.transitions])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    version = serializers.IntegerField(required=False)


class ResultInSerializer(serializers.Serializer):
    risk_area = serializers.SlugRelatedField(slug_field="code", queryset=RiskArea.objects.all())
    findings = serializers.CharField()
    amount_at_risk = serializers.IntegerField(min_value=0, max_value=MONEY_MAX)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)


class ResultsInSerializer(serializers.Serializer):
    results = ResultInSerializer(many=True)


class DuplicateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    tax_code = serializers.CharField()
    enterprise_name = serializers.CharField()
    dates = serializers.DictField(child=serializers.CharField(allow_null=True))


def _get(request, pk) -> InfoCollection:
    return policy.access(selectors.info_collections_visible_to(request.user), request.user, pk=pk)


def _out(request, case, code=status.HTTP_200_OK):
    return detail_response(request, InfoCollectionSerializer, case, code)


class InfoCollectionListView(ScopedListView):
    """The information collections the user may see (their one scope), filtered by the list's one FilterSet."""

    model = InfoCollection
    serializer_class = InfoCollectionSerializer
    filterset_class = InfoCollectionFilter

    def related(self, qs):  # the serializer names them: no query per row
        return (qs.prefetch_related("risk_areas", "results__risk_area")
                .select_related("submitted_by", "approved_by"))

    @extend_schema(request=ProposalInSerializer, responses={201: InfoCollectionSerializer, **ERRORS})
    def post(self, request):
        data = ProposalInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.info_collection_create(actor=request.user, **data.validated_data)
        return _out(request, case, status.HTTP_201_CREATED)


class InfoCollectionDetailView(APIView):
    @extend_schema(responses={200: InfoCollectionSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return _out(request, _get(request, pk))

    @extend_schema(request=ProposalPatchSerializer, responses={200: InfoCollectionSerializer, **ERRORS})
    def patch(self, request, pk: int):
        case = _get(request, pk)
        data = ProposalPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        case = services.info_collection_update(actor=request.user, info_collection=case, expected_version=version,
                                               **values)
        return _out(request, case)


class InfoCollectionActionView(APIView):
    @extend_schema(
        request=ActionInSerializer, responses={200: InfoCollectionSerializer, **ERRORS},
        description="Take a workflow action. 409 when the action is not possible in the current state (or the "
                    "version is stale); 403 when the user may not take it (including approving their own "
                    "submission); 400 when a required note/reason is missing.",
    )
    def post(self, request, pk: int):
        case = _get(request, pk)
        data = ActionInSerializer(data=request.data)
        if not data.is_valid():
            raise AppError("unknown_action", _("Unknown action."), field="action")
        with transaction.atomic():
            case = services.info_collection_act(actor=request.user, info_collection=case,
                                                action=data.validated_data["action"],
                                                note=data.validated_data.get("note", ""),
                                                expected_version=data.validated_data.get("version"))
        return _out(request, case)


class InfoCollectionResultsView(APIView):
    @extend_schema(request=ResultsInSerializer, responses={200: InfoCollectionSerializer, **ERRORS},
                   description="Record (or replace) the result of each risk area given.")
    def put(self, request, pk: int):
        case = _get(request, pk)
        data = ResultsInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [{**r, "risk_area": r["risk_area"].pk} for r in data.validated_data["results"]]
        case = services.info_collection_results_save(actor=request.user, info_collection=case, results=rows)
        return _out(request, case)


class DuplicatesView(APIView):
    @extend_schema(parameters=[OpenApiParameter("tax_code", str, required=True, pattern=r"^[0-9]{10}(-[0-9]{3})?$")],
                   responses={200: DuplicateSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
                   description="Open information collections, audit proposals and audit cases on the enterprise, "
                               "its head and its branches, in every unit: unit, number, state and dates only.")
    def get(self, request):
        if not policy.active_grants(request.user):
            raise Forbidden("forbidden", _("You do not have permission to do this."))
        code = normalize_tax_code(request.query_params.get("tax_code"))
        return Response(selectors.open_cases_for_enterprise(code))
