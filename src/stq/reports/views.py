"""Report pages: the forms with their filters (each figure links to its records), the drill-down list, the
reconciliation (confirm, and the units' status), and the leaders' dashboard. Thin: reads go through `selectors`,
the one write through `services`; Excel and PDF come from the API (the same selector)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.core.errors import AppError, NotFound
from stq.org import policy

from . import builder, dashboard, layout, selectors, services
from .forms import ReconcileForm, ReportFilterForm
from .permissions import RECONCILE


def _filters(request, data=None):
    """(form, unit, period) from the query string; Http404 when the unit is not the user's to see."""
    form = ReportFilterForm(data if data is not None else request.GET, user=request.user)
    if not form.is_valid():
        return form, None, None
    try:
        unit = form.unit_obj()
    except NotFound:
        raise Http404 from None
    return form, unit, form.cleaned_data["period_obj"]


def _forms_menu() -> list[dict]:
    return [{"form": f, "title": layout.text(layout.load(f).title)} for f in layout.forms()]


@login_required
def index(request):
    if not selectors.report_units(request.user).exists():
        raise Http404
    return redirect(reverse("reports:form", args=[layout.forms()[0]]) + (
        f"?{request.GET.urlencode()}" if request.GET else ""))


def _report_context(request, form_code: str, filters, unit, period) -> dict:
    ctx = {"form_code": form_code, "filters": filters, "forms": _forms_menu(), "report": None}
    if unit is None:
        return ctx
    try:
        report = selectors.form_report(request.user, form=form_code, unit=unit, period=period)
    except NotFound:
        raise Http404 from None
    query = ReportFilterForm.query(unit, period)
    digest = selectors.digest(report.figures())
    ctx.update({
        "report": report, "unit": unit, "period": period, "query": query,
        "reconciliation": report.reconciliation, "differences": report.differences, "digest": digest,
        "may_reconcile": policy.can_at(request.user, RECONCILE, unit),
        "period_ended": period.date_to < timezone.localdate(),
        "reconcile_form": ReconcileForm(initial={"digest": digest}),
        "export_url": reverse("api:reports_form", args=[form_code]) + f"?{query}",
        "today": timezone.localdate(),
    })
    return ctx


@login_required
def form_view(request, form: str):
    try:
        selectors.get_layout(form)
    except NotFound:
        raise Http404 from None
    filters, unit, period = _filters(request)
    return render(request, "reports/form.html", _report_context(request, form, filters, unit, period))


@login_required
def drill(request, form: str):
    filters, unit, period = _filters(request)
    if unit is None:
        raise Http404
    table, column, row = (request.GET.get(k, "") for k in ("table", "column", "row"))
    try:
        groups = selectors.drill_down(request.user, form=form, unit=unit, period=period, table=table,
                                      column=column, row=row)
        report_layout = selectors.get_layout(form)
        col = report_layout.table(table).column(column)
        label = builder.row_label(report_layout.table(table), unit, row)
    except (NotFound, LookupError):
        raise Http404 from None
    limit = 1000
    return render(request, "reports/drill.html", {
        "form_code": form, "unit": unit, "period": period, "column_label": layout.text(col.label),
        "row_label": label, "kind": col.kind,
        "groups": [{"label": g.label, "rows": builder.drill_rows(g, limit), "count": g.records.count(),
                    "description": g.measure.description} for g in groups],
        "limit": limit, "back": reverse("reports:form", args=[form]) + f"?{ReportFilterForm.query(unit, period)}",
    })


@login_required
@require_POST
def reconcile(request, form: str):
    filters, unit, period = _filters(request, request.POST)
    if unit is None:
        raise Http404
    rform = ReconcileForm(request.POST)
    back = reverse("reports:form", args=[form]) + f"?{ReportFilterForm.query(unit, period)}"
    if not rform.is_valid():
        return redirect(back)
    try:
        services.reconciliation_confirm(actor=request.user, form=form, unit=unit, period=period,
                                        note=rform.cleaned_data["note"],
                                        expected_digest=rform.cleaned_data["digest"])
    except AppError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The figures are recorded as reconciled."))
    return redirect(back)


@login_required
def status(request, form: str):
    filters, unit, period = _filters(request)
    if unit is None:
        return render(request, "reports/status.html", {"filters": filters, "form_code": form, "rows": None})
    try:
        rows = selectors.reconciliation_status(request.user, form=form, unit=unit, period=period)
        report_layout = selectors.get_layout(form)
    except NotFound:
        raise Http404 from None
    return render(request, "reports/status.html", {
        "filters": filters, "form_code": form, "unit": unit, "period": period, "rows": rows,
        "title": layout.text(report_layout.title), "forms": _forms_menu(),
        "reconcile_by": period.reconcile_by(report_layout.due_working_days_after_period),
        "due_on": period.due_on(report_layout.due_working_days_after_period),
        "done": sum(1 for r in rows if r.reconciliation), "query": ReportFilterForm.query(unit, period),
    })


@login_required
def dashboard_view(request):
    filters, unit, period = _filters(request)
    data = dashboard.dashboard_data(unit, period) if unit is not None else None
    return render(request, "reports/dashboard.html", {
        "filters": filters, "unit": unit, "period": period, "data": data, "forms": _forms_menu(),
    })
