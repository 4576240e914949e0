"""API: declaration search and detail, import jobs (upload, progress, errors)."""

from __future__ import annotations

import json

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer, date_param
from stq.core.api_schema import page_of
from stq.core.errors import NotFound
from stq.core.filters import filtered_or_400
from stq.core.paging import COUNT_CAP, CappedLimitOffsetPagination

from . import selectors, services
from .filters import DeclarationFilter
from .models import Declaration, DeclarationLine, ImportFormat, ImportJob


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeclarationLine
        exclude = ["id", "declaration", "registered_on"]  # the header's date


class DeclarationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Declaration
        exclude = ["id", "import_job"]


class DeclarationDetailSerializer(DeclarationSerializer):
    lines = LineSerializer(many=True, read_only=True, source="goods_lines")


class ImportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    errors_url = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ImportJob
        fields = ["id", "original_name", "sha256", "format", "dry_run", "status", "rows_total", "rows_done",
                  "percent", "errors_count", "errors_url", "declarations_new", "declarations_replaced",
                  "lines_written", "duplicate_of", "created_by", "created_at", "started_at", "finished_at"]

    def get_errors_url(self, job) -> str | None:
        if not job.errors_file:
            return None
        from django.urls import reverse

        # the API's own copy of the file: read with the same token as the job (the page's link needs a session)
        return self.context["request"].build_absolute_uri(reverse("api:declarations-import-errors", args=[job.pk]))


class ImportInSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices, default=ImportFormat.STQ)
    dry_run = serializers.BooleanField(default=False)


class DeclarationListView(APIView):
    @extend_schema(parameters=[OpenApiParameter(n, {"type": "string", "maxLength": DeclarationFilter.base_filters[n]
                                                    .extra["max_length"]}, required=False)
                               for n in ("tax_code", "hs", "office", "number")]
                   + [date_param("from"), date_param("to")],
                   description=f"Newest first. `count` is exact up to {COUNT_CAP:,}; {COUNT_CAP:,} means that many or "
                               "more, and offsets past it give an empty page: narrow the search.",
                   responses={200: page_of(DeclarationSerializer), 400: ErrorSerializer})
    def get(self, request):
        qs = filtered_or_400(DeclarationFilter(request.query_params, request=request))
        paginator = CappedLimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DeclarationSerializer(page, many=True).data)


class DeclarationDetailView(APIView):
    @extend_schema(responses={200: DeclarationDetailSerializer, 404: ErrorSerializer})
    def get(self, request, number):
        return Response(DeclarationDetailSerializer(selectors.declaration_get(request.user, number)).data)


class ImportJobCreateView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportInSerializer, responses={201: ImportJobSerializer, 400: ErrorSerializer,
                                                          403: ErrorSerializer})
    def post(self, request):
        data = ImportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        job = services.import_job_create(actor=request.user, file=d["file"], fmt=d["format"], dry_run=d["dry_run"])
        job.refresh_from_db()
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=201)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class ImportJobErrorsView(APIView):
    """The rows an import refused, as CSV (line, column, message): the job's `errors_url`."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: ErrorSerializer})
    def get(self, request, pk):
        job = selectors.import_jobs_visible_to(request.user).filter(pk=pk).first()
        if job is None or not job.errors_file:
            raise NotFound("not_found", _("Not found."))
        return FileResponse(job.errors_file.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.csv",
                            content_type="text/csv")


class ImportJobDetailView(APIView):
    @extend_schema(responses={200: ImportJobSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        job = selectors.import_jobs_visible_to(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound("not_found", _("Not found."))
        return Response(ImportJobSerializer(job, context={"request": request}).data)
