"""API: /api/v1/legacy/imports/ — GET the import batches; POST a CSV file (multipart, field `file`) with
`dry_run` true (default: check only, row errors in the answer) or false (import, all or nothing)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core import uploads
from stq.core.api import ErrorSerializer
from stq.core.errors import Forbidden

from . import selectors, services
from .models import ImportBatch
from .policy import may_import


class BatchSerializer(serializers.ModelSerializer):
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportBatch
        fields = ["id", "filename", "checksum", "rows", "imported", "updated", "skipped", "cases", "conclusions",
                  "imported_by", "imported_at"]


class LegacyImportInSerializer(serializers.Serializer):
    file = serializers.FileField(validators=[uploads.CSV])  # checked as the other imports are: a PDF is refused
    dry_run = serializers.BooleanField(default=True)


ReportSerializer = inline_serializer("LegacyImportReport", {
    "dry_run": serializers.BooleanField(), "filename": serializers.CharField(), "checksum": serializers.CharField(),
    "rows": serializers.IntegerField(), "to_import": serializers.IntegerField(),
    "to_update": serializers.IntegerField(),
    "skipped": serializers.IntegerField(),
    "ok": serializers.BooleanField(), "already_imported": serializers.BooleanField(),
    "batch": serializers.IntegerField(allow_null=True),
    "errors": serializers.ListField(child=serializers.DictField()),
})


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: BatchSerializer(many=True), 403: ErrorSerializer})
    def get(self, request):
        if not may_import(request.user):
            raise Forbidden("forbidden", _("You do not have permission to do this."))
        return Response(BatchSerializer(selectors.batches()[:200], many=True).data)

    @extend_schema(request=LegacyImportInSerializer, responses={200: ReportSerializer, 201: ReportSerializer,
                                                          400: ErrorSerializer, 403: ErrorSerializer,
                                                          409: ErrorSerializer},
                   description="A dry run answers 200 with the row errors. A real run answers 201 when it imported, "
                               "200 when the file was imported before (nothing changed), 400 with the row errors "
                               "when any row is invalid (nothing written).")
    def post(self, request):
        data = LegacyImportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = services.legacy_import(actor=request.user, content=upload.read(), filename=upload.name,
                                        dry_run=data.validated_data["dry_run"])
        code = status.HTTP_200_OK
        if not report.dry_run and not report.already_imported:
            code = status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=code)
