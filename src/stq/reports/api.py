"""API: GET /api/v1/reports/form-19/?unit=&from=&to= (or period=2026-Q1; cumulative=0 leaves out the year-to-date
block) as JSON, or with format=xlsx / format=pdf as a file; the same for form 20. Each figure in the JSON carries
the URL of the records behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from stq.core.api import ErrorSerializer
from stq.core.errors import AppError

from . import selectors
from .builder import Report
from .excel import workbook_bytes
from .layout import text
from .pdf import pdf_bytes
from .periods import parse_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _FileRenderer(BaseRenderer):
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class XlsxRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"


class PdfRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


def report_json(report: Report, request) -> dict:
    base = reverse("reports:drill", args=[report.layout.form])
    tables = []
    for t in report.tables:
        blocks = []
        for b in t.blocks:
            q = {"unit": report.unit.code, "from": b.period.date_from.isoformat(), "to": b.period.date_to.isoformat(),
                 "table": t.table.key}
            rows = []
            for r in b.rows:
                cells = {}
                for c in t.table.columns:
                    value = r.values[c.key]
                    cells[c.key] = {
                        "value": str(value) if c.kind == "percent" and value is not None else value,
                        "records": request.build_absolute_uri(
                            f"{base}?{urlencode({**q, 'column': c.key, 'row': r.key})}"),
                    }
                rows.append({"key": r.key, "label": r.label, "total": r.total, "cells": cells})
            blocks.append({"key": b.key, "from": b.period.date_from, "to": b.period.date_to, "rows": rows})
        tables.append({"key": t.table.key, "title": t.title,
                       "columns": [{"key": c.key, "label": text(c.label), "measure": c.measure, "filter": c.filter,
                                    "kind": c.kind} for c in t.table.columns],
                       "blocks": blocks})
    rec, diffs = report.reconciliation, report.differences
    return {
        "form": report.layout.form, "layout_version": report.layout.version, "title": report.title,
        "unit": report.unit.code, "unit_name": report.unit.name,
        "from": report.period.date_from, "to": report.period.date_to,
        "generated_at": report.generated_at, "generated_by": getattr(report.generated_by, "username", None),
        "due_on": report.due_on, "reconcile_by": report.reconcile_by,
        "reconciliation": None if rec is None else {
            "confirmed_by": rec.confirmed_by.username, "confirmed_at": rec.confirmed_at, "late": rec.late,
            "digest": rec.digest, "differs": bool(diffs),
            "differences": [d.__dict__ for d in diffs[:200]],
        },
        "digest": selectors.digest(report.figures()),
        "tables": tables,
    }


class FormReportView(APIView):
    renderer_classes = [JSONRenderer, XlsxRenderer, PdfRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description="unit code (default: the highest unit the user may see)"),
            OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("period", str, description="2026, 2026-Q1 or 2026-03 instead of from/to",
                             pattern=r"^(19|20)[0-9]{2}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"),
            OpenApiParameter("cumulative", bool, description="include the year-to-date block (default true)"),
            OpenApiParameter("format", str, enum=["json", "xlsx", "pdf"]),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, XLSX): OpenApiTypes.BINARY,
                   (200, "application/pdf"): OpenApiTypes.BINARY, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, form: str):
        p = request.query_params
        period = parse_period(period=p.get("period"), date_from=p.get("from"), date_to=p.get("to"))
        unit = selectors.report_unit(request.user, p.get("unit"))
        cumulative = p.get("cumulative", "1").lower() not in ("0", "false", "no")
        report = selectors.form_report(request.user, form=form, unit=unit, period=period, cumulative=cumulative)
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt in ("xlsx", "pdf"):
            body = workbook_bytes(report) if fmt == "xlsx" else pdf_bytes(report)
            name = f"mau{form}_{unit.code}_{period.date_from:%Y%m%d}_{period.date_to:%Y%m%d}.{fmt}"
            response = HttpResponse(body, content_type=request.accepted_renderer.media_type)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return Response(report_json(report, request))

    def handle_exception(self, exc):
        if isinstance(exc, AppError):  # errors are JSON, whatever format was asked for
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

