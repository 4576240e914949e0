"""Pages: search, declaration detail, imports (with htmx progress), dormant enterprises, activity section."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from stq.core.errors import AppError
from stq.core.forms import call_service
from stq.core.paging import CappedPaginator

from . import selectors, services
from .filters import DeclarationFilter
from .forms import ImportForm
from .models import DeclarationRevision
from .policy import may


@login_required
def declaration_list(request):
    filterset = DeclarationFilter(request.GET, request=request)
    form = filterset.form
    page = CappedPaginator(filterset.qs, 50).get_page(request.GET.get("page")) if filterset.is_valid() else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "declarations/list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                       "may_import": may(request.user, "declarations.import")})


@login_required
def declaration_detail(request, number):
    try:
        decl = selectors.declaration_get(request.user, number)
    except AppError:
        raise Http404 from None
    revisions = DeclarationRevision.objects.filter(base_number=decl.base_number)
    return render(request, "declarations/detail.html",
                  {"decl": decl, "lines": selectors.declaration_lines(decl), "revisions": revisions})


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    may_import = may(request.user, "declarations.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = call_service(form, lambda: services.import_job_create(
            actor=request.user, file=form.cleaned_data["file"], fmt=form.cleaned_data["format"],
            dry_run=form.cleaned_data["dry_run"]))
        if job is not None:
            return redirect("declarations:import_detail", pk=job.pk)
    jobs = Paginator(selectors.import_jobs_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "declarations/imports.html", {"form": form, "jobs": jobs, "may_import": may_import})


@login_required
def import_detail(request, pk):
    job = get_object_or_404(selectors.import_jobs_visible_to(request.user), pk=pk)
    template = "declarations/import_progress.html" if request.htmx else "declarations/import_detail.html"
    return render(request, template, {"job": job})


@login_required
def import_errors(request, pk):
    job = get_object_or_404(selectors.import_jobs_visible_to(request.user), pk=pk)
    if not job.errors_file:
        raise Http404
    return FileResponse(job.errors_file.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.csv",
                        content_type="text/csv")


@login_required
def dormant(request):
    if not may(request.user, "declarations.view"):
        raise Http404
    as_of = dt.date.today()
    page = Paginator(selectors.dormant_enterprises(as_of), 50).get_page(request.GET.get("page"))
    return render(request, "declarations/dormant.html", {"page": page, "as_of": as_of})


@login_required
def profile(request, tax_code):
    if not may(request.user, "declarations.view"):
        raise Http404
    return render(request, "declarations/profile.html", enterprise_activity_section(request, None, tax_code))


def enterprise_activity_section(request, enterprise, tax_code=None):
    """Context of the "activity" section of the enterprise page (and of the stand-alone profile page)."""
    code = tax_code or getattr(enterprise, "tax_code", "")
    data = selectors.activity_profile(code)
    chart = {
        "labels": [m["month"].strftime("%m/%Y") for m in data["months"]],
        "imports": [m["I"] for m in data["months"]],
        "exports": [m["E"] for m in data["months"]],
        "channels": [data["channels"].get(k, 0) for k in ("green", "yellow", "red")],
    }
    return {"activity": data, "activity_chart": chart}
