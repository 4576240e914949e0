"""REST API of the enterprise directory (under /api/v1/). Every view calls selectors and services; errors are
`stq.core.api.ErrorSerializer` bodies."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core import uploads
from stq.core.api import ErrorSerializer, date_param, refused_input
from stq.core.errors import AppError, NotFound
from stq.core.filters import filtered_or_400
from stq.core.limits import NOTE_MAX
from stq.core.texts import shown
from stq.org.models import Unit

from . import importer, selectors, services
from .filters import QUERY_MAX, EnterpriseSearchFilter, FocusListFilter
from .models import Enterprise, FocusListEntry, ProfileSubmission, RiskArea, SubmissionSource
from .services import PROFILE_FIELDS, RISK_FIELDS
from .taxcode import clean_digits

PAGE_SIZE = 50


@extend_schema_field({"type": "string", "maxLength": 20})
class EnterpriseByTaxCodeField(serializers.CharField):
    """An enterprise of the directory, given by its tax code (10 or 13 digits, with or without "-") in API input."""

    MAX = 20

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "tax code, 10 or 13 digits")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if len(text) > self.MAX:
            raise serializers.ValidationError(_("Ensure this field has no more than %(max)s characters.")
                                              % {"max": self.MAX}, code="max_length")
        enterprise = Enterprise.objects.filter(tax_code=clean_digits(text)).first()
        if enterprise is None:
            raise serializers.ValidationError(_("No enterprise with this tax code in the directory."))
        return enterprise


class EnterpriseSerializer(serializers.ModelSerializer):
    tax_code_display = serializers.CharField(read_only=True)
    head = serializers.SlugRelatedField(slug_field="tax_code", read_only=True, allow_null=True)
    managing_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Enterprise
        fields = ["tax_code", "tax_code_display", "head", *PROFILE_FIELDS, *RISK_FIELDS, "source", "created_at",
                  "updated_at"]
        read_only_fields = ["source", "created_at", "updated_at"]
        extra_kwargs = {"tax_code": {"validators": []}}

    def to_representation(self, instance):
        """The reasons in the request's language (the risk engine stores them as codes with parameters)."""
        data = super().to_representation(instance)
        for name in Enterprise.REASON_FIELDS:
            if data.get(name):
                data[name] = shown(data[name])
        return data


class EnterprisePatchSerializer(EnterpriseSerializer):
    class Meta(EnterpriseSerializer.Meta):
        read_only_fields = ["tax_code", "source", "created_at", "updated_at"]


class SubmissionSerializer(serializers.ModelSerializer):
    officer = serializers.CharField(source="officer.username", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = ProfileSubmission
        fields = ["id", "submitted_on", "source", "officer", "unit", "data", "changes", "note", "recorded_at"]
        read_only_fields = ["officer", "unit", "changes", "recorded_at"]


class SubmissionInSerializer(serializers.Serializer):
    submitted_on = serializers.DateField()
    source = serializers.ChoiceField(choices=SubmissionSource.choices)
    data = serializers.DictField(help_text="profile fields and their new values (managing_unit as a unit code)")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class FocusEntrySerializer(serializers.ModelSerializer):
    tax_code = serializers.CharField(source="enterprise.tax_code", max_length=20)
    designating_unit = serializers.CharField(source="designating_unit.code", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = FocusListEntry
        fields = ["id", "tax_code", "risk_area", "valid_from", "valid_to", "reason", "designating_unit",
                  "created_by", "created_at"]
        read_only_fields = ["created_at"]


def _page(request, qs, serializer):
    page = Paginator(qs, PAGE_SIZE).get_page(request.query_params.get("page"))
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
            "results": serializer(page.object_list, many=True).data}


def _paged(name, serializer):
    return inline_serializer(name, {"count": serializers.IntegerField(), "page": serializers.IntegerField(),
                                    "pages": serializers.IntegerField(), "results": serializer(many=True)})


def _enterprise(user, tax_code) -> Enterprise:
    ent = selectors.enterprises_visible_to(user).filter(tax_code=tax_code.replace("-", "")).first()
    if ent is None:
        raise NotFound("not_found", _("Not found."))
    return ent


def _values(serializer_class, data, *, partial):
    ser = serializer_class(data=data, partial=partial)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


class EnterpriseListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", {"type": "string", "maxLength": QUERY_MAX},
                                     description="tax-code prefix or name words (accents optional)"),
                    OpenApiParameter("page", int)],
        responses={200: _paged("EnterprisePage", EnterpriseSerializer)}, operation_id="enterprises_list",
        description="Search the national directory; every search with `q` is recorded (search before you propose).",
    )
    def get(self, request):
        filterset = EnterpriseSearchFilter(request.query_params, request=request,
                                           queryset=selectors.enterprises_visible_to(request.user))
        qs = filtered_or_400(filterset)
        query = filterset.form.cleaned_data.get("q") or ""
        body = _page(request, qs, EnterpriseSerializer)
        if query and body["page"] == 1:
            services.search_record(actor=request.user, query=query, matched_count=body["count"],
                                   matched_tax_codes=[r["tax_code"] for r in body["results"]])
        return Response(body)

    @extend_schema(request=EnterpriseSerializer, responses={201: EnterpriseSerializer, 400: ErrorSerializer,
                                                           403: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request):
        values = _values(EnterpriseSerializer, request.data, partial=False)
        ent = services.enterprise_create(actor=request.user, **values)
        return Response(EnterpriseSerializer(ent).data, status=201)


class EnterpriseDetailView(APIView):
    @extend_schema(responses={200: EnterpriseSerializer, 404: ErrorSerializer})
    def get(self, request, tax_code):
        return Response(EnterpriseSerializer(_enterprise(request.user, tax_code)).data)

    @extend_schema(
        request=EnterprisePatchSerializer,
        responses={200: EnterpriseSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
        description="Profile fields need an officer/approver; compliance and risk fields need a risk manager.",
    )
    def patch(self, request, tax_code):
        ent = _enterprise(request.user, tax_code)
        values = _values(EnterprisePatchSerializer, request.data, partial=True)
        services.enterprise_update(actor=request.user, enterprise=ent, values=values,
                                   reason=str(request.data.get("reason", ""))[:100])
        ent.refresh_from_db()
        return Response(EnterpriseSerializer(ent).data)


class SubmissionListView(APIView):
    @extend_schema(responses={200: SubmissionSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, tax_code):
        ent = _enterprise(request.user, tax_code)
        return Response(SubmissionSerializer(ent.submissions.select_related("officer", "unit"), many=True).data)

    @extend_schema(request=SubmissionInSerializer,
                   responses={201: SubmissionSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer})
    def post(self, request, tax_code):
        ent = _enterprise(request.user, tax_code)
        data = _values(SubmissionInSerializer, request.data, partial=False)
        raw = data.pop("data")
        unknown = set(raw) - set(PROFILE_FIELDS)
        if unknown:
            raise AppError("unknown_field", _("This field cannot be changed by a profile submission."),
                           field=sorted(unknown)[0])
        values = _values(EnterprisePatchSerializer, raw, partial=True)
        sub = services.profile_submission_record(actor=request.user, enterprise=ent, data=values, **data)
        return Response(SubmissionSerializer(sub).data, status=201)


class FocusListView(APIView):
    @extend_schema(
        parameters=[date_param("on", description="in force on this date (YYYY-MM-DD)"),
                    OpenApiParameter("risk_area", str, enum=RiskArea.values),
                    OpenApiParameter("q", {"type": "string", "maxLength": QUERY_MAX},
                                     description="tax-code prefix or name words (accents optional)"),
                    OpenApiParameter("page", int)],
        responses={200: _paged("FocusEntryPage", FocusEntrySerializer)},
    )
    def get(self, request):
        qs = filtered_or_400(FocusListFilter(request.query_params, queryset=selectors.focus_list(), request=request))
        return Response(_page(request, qs, FocusEntrySerializer))

    @extend_schema(request=FocusEntrySerializer, responses={201: FocusEntrySerializer, 400: ErrorSerializer,
                                                           403: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request):
        data = _values(FocusEntrySerializer, request.data, partial=False)
        ent = selectors.get_enterprise(data.pop("enterprise")["tax_code"])
        if ent is None:
            raise AppError("not_found", _("No enterprise has this tax code."), field="tax_code")
        entry = services.focus_entry_add(actor=request.user, enterprise=ent, valid_to=data.pop("valid_to", None),
                                         **data)
        return Response(FocusEntrySerializer(entry).data, status=201)


class EnterpriseImportInSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": EnterpriseImportInSerializer},
        responses={200: inline_serializer("EnterpriseImportReport", {
            "dry_run": serializers.BooleanField(), "rows": serializers.IntegerField(),
            "created": serializers.IntegerField(), "updated": serializers.IntegerField(),
            "unchanged": serializers.IntegerField(), "ok": serializers.BooleanField(),
            "errors": serializers.ListField(child=serializers.DictField())}),
            400: ErrorSerializer, 403: ErrorSerializer},
        description="CSV or .xlsx; see stq.enterprises.importer for the columns. dry_run (default true) writes "
                    "nothing; the real run imports every row or none.",
    )
    def post(self, request):
        data = EnterpriseImportInSerializer(data=request.data)
        if not data.is_valid():
            missing = "file" in data.errors and request.FILES.get("file") is None
            raise refused_input(data.errors, code="file_required" if missing else "invalid",
                                message=_("Upload a .csv or .xlsx file.") if missing else None)
        upload, dry_run = data.validated_data["file"], data.validated_data["dry_run"]
        uploads.require(upload, uploads.TABLES)
        report = importer.enterprise_import(actor=request.user, content=upload.read(), filename=upload.name,
                                            dry_run=dry_run)
        return Response(report.as_dict(), status=200 if report.ok else 400 if not dry_run else 200)
