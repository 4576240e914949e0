"""Pages of change requests: list (filters, Excel export), form, request page with status actions, comments and
timeline. Thin: every write goes through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.core import official
from stq.core.errors import NotFound
from stq.core.forms import call_service
from stq.workflow.actions import workflow_action

from . import selectors, services
from .export import change_requests_pdf, change_requests_xlsx
from .filters import ChangeRequestFilter
from .forms import ChangeRequestForm, CommentForm, units_of
from .models import ChangeRequest
from .policy import handles_change_requests

WF = ChangeRequest.workflow


def _request(user, pk: int) -> ChangeRequest:
    try:
        return selectors.access_change_request(user, pk)
    except NotFound:
        raise Http404 from None


def _filtered(request):
    """The list's one FilterSet over the user's one scope (the page and its export)."""
    filterset = ChangeRequestFilter(request.GET or None, request=request, queryset=selectors.change_requests_visible_to(
        request.user).order_by("-proposed_on", "-pk"))
    return filterset.form, filterset.qs


@login_required
def request_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "feedback/list.html", {
        "form": form, "page": page, "query": query.urlencode(), "handler": handles_change_requests(request.user),
        "may_create": units_of(request.user).exists(),
    })


@login_required
def export(request, fmt: str):
    form, qs = _filtered(request)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    unit = official.export_unit(request.user, data.get("unit"))
    period = official.period_text(data.get("date_from"), data.get("date_to"))
    if fmt == "pdf":
        return change_requests_pdf(qs.select_related("unit")[:10_000], unit=unit, period=period)
    response = HttpResponse(change_requests_xlsx(qs[:10_000], unit=unit, period=period),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"de-xuat-sua-doi-chuc-nang-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def create(request):
    form = ChangeRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        case = call_service(form, lambda: services.change_request_create(actor=request.user, **form.cleaned_data))
        if case is not None:
            messages.success(request, _("Change request %(number)s sent to the central PCA unit.")
                             % {"number": case.number})
            return redirect(case)
    return render(request, "feedback/form.html", {"form": form})


def _detail_context(request, case, *, action_error=None, action_note="", comment_form=None):
    return {
        "case": case,
        "state_label": WF.state_label(case.state),
        "actions": [{"t": t, "needs_note": t.needs_note(case)} for t in WF.available(request.user, case)],
        "action_error": action_error or {},
        "action_note": action_note,
        "comments": case.comments.select_related("author"),
        "may_comment": services.may_comment(request.user, case),
        "comment_form": comment_form or CommentForm(),
        "events": WF.timeline(case),  # the one case-event record: the steps and the comments
    }


@login_required
def detail(request, pk: int):
    case = _request(request.user, pk)
    return render(request, "feedback/detail.html", _detail_context(request, case))


@login_required
@require_POST
def action(request, pk: int):
    case = _request(request.user, pk)
    return workflow_action(request, case, workflow=WF, template="feedback/detail.html", context=_detail_context,
                           act=lambda **kw: services.change_request_act(actor=request.user, change_request=case,
                                                                        **kw))


@login_required
@require_POST
def comment(request, pk: int):
    case = _request(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid() and call_service(form, lambda: services.change_request_comment(
            actor=request.user, change_request=case, text=form.cleaned_data["text"])):
        messages.success(request, _("Comment added."))
        return redirect(case)
    return render(request, "feedback/detail.html", _detail_context(request, case, comment_form=form), status=400)
