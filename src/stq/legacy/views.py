"""Pages of the STQ01 import: upload (dry run or import) with the list of batches, and one batch's records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from stq.core.forms import call_service

from . import selectors, services
from .forms import ImportForm
from .layout import COLUMNS
from .policy import may_import


@login_required
def index(request):
    if not may_import(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("mode") != "import"
        report = call_service(form, lambda: services.legacy_import(actor=request.user, content=upload.read(),
                                                                   filename=upload.name, dry_run=dry_run))
        if report is not None and not dry_run and report.ok and not report.already_imported:
            messages.success(request, _("Imported %(n)s STQ01 records, updated %(u)s.")
                             % {"n": report.batch.imported, "u": report.batch.updated})
            return redirect(report.batch)
    return render(request, "legacy/index.html", {"form": form, "report": report, "columns": COLUMNS,
                                                 "batches": selectors.batches()[:50]})


@login_required
def batch(request, pk: int):
    if not may_import(request.user):
        raise Http404
    obj = get_object_or_404(selectors.batches(), pk=pk)
    return render(request, "legacy/batch.html", {"batch": obj, "records": selectors.records_of_batch(obj)[:1000]})
