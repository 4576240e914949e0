"""Pages of the risk engine: overview, criteria, model versions, target lists and the alert inbox.
Thin: every write goes through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.core.errors import AppError
from stq.core.forms import apply_app_error, call_service, posted_id, posted_version
from stq.enterprises.models import Enterprise
from stq.org import policy
from stq.org.models import Unit

from . import drift_watch, policy_backtest, selectors, services, training_runs
from .criteria import KINDS, describe_params, format_measure
from .filters import OPEN, STATE_CHOICES, AlertFilter
from .forms import BacktestForm, CriterionForm, DismissForm, TargetListForm
from .models import (
    Alert,
    Classification,
    Criterion,
    EnterpriseRisk,
    ModelVersion,
    PolicyBacktest,
    TargetPick,
    TrainingRun,
)
from .runner import preview_hits
from .scoring import reason_text


def _may_view(user) -> None:
    if not policy.can_anywhere(user, "risk.view"):
        raise PermissionDenied


def _error(request, error: AppError) -> None:
    messages.error(request, str(error.message))


def _back(request, default: str):
    """Redirect to the form's `next` when it is a path of this site, else to `default` (a URL name): `next` comes
    from the request, so it is never reversed as a view name (an arbitrary value was a NoReverseMatch, a 500) nor
    followed to another host."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                    require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
def index(request):
    _may_view(request.user)
    counts = dict(EnterpriseRisk.objects.values_list("classification").annotate(n=Count("id")))
    top = EnterpriseRisk.objects.filter(classification=Classification.TARGET).order_by("-score")[:15]
    names = dict(Enterprise.objects.filter(tax_code__in=[r.tax_code for r in top]).values_list("tax_code", "name"))
    return render(request, "risk/index.html", {
        "counts": [(label, counts.get(value, 0)) for value, label in Classification.choices],
        "top": [{"r": r, "name": names.get(r.tax_code, ""), "reason": reason_text(r.reasons[0]) if r.reasons else ""}
                for r in top],
        "classes": EnterpriseRisk.objects.values_list("risk_class").annotate(n=Count("id")).order_by("risk_class"),
        "criteria_count": Criterion.objects.filter(active=True).count(),
        "open_alerts": selectors.alerts("open").count(),
        "model": selectors.active_model(),
        "may_run": policy.can_anywhere(request.user, "risk.train"),
    })


@login_required
def criteria(request):
    _may_view(request.user)
    return render(request, "risk/criteria.html", {
        "criteria": selectors.criteria_with_hit_rates(),
        "may_manage": policy.can_anywhere(request.user, "risk.manage_criteria"),
        "may_run": policy.can_anywhere(request.user, "risk.train"),
    })


def _criterion_form_error(form, error: AppError) -> None:
    """The service's per-parameter errors (`params.<name>`) go under the selected kind's typed fields."""
    kind = KINDS.get(form.cleaned_data.get("kind"))
    for key, message in error.fields.items():
        name = key.removeprefix("params.")
        if key.startswith("params.") and kind is not None and any(p.name == name for p in kind.params):
            form.add_error(f"{kind.code}__{name}", message)
        elif key == "params":
            form.add_error("kind", message)
    apply_app_error(form, error)


@login_required
def criterion_form(request, pk: int | None = None):
    criterion = get_object_or_404(Criterion, pk=pk) if pk else None
    if not policy.can_anywhere(request.user, "risk.manage_criteria"):
        raise PermissionDenied
    initial = {}
    if criterion:
        initial = {name: getattr(criterion, name) for name in services.CRITERION_FIELDS if name != "params"}
        initial["code"] = criterion.code
    form = CriterionForm(request.POST or None, initial=initial, editing=bool(criterion),
                         params=criterion.params if criterion else None)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        code = values.pop("code", None)
        if criterion:
            saved = call_service(form, lambda: services.criterion_update(
                actor=request.user, criterion=criterion, expected_version=posted_version(request),
                **values), place=_criterion_form_error)
        else:
            saved = call_service(form, lambda: services.criterion_create(actor=request.user, code=code, **values),
                                 place=_criterion_form_error)
        if saved is not None:
            messages.success(request, _("Criterion %(code)s saved.") % {"code": saved.code})
            return redirect("risk:criterion", pk=saved.pk)
    return render(request, "risk/criterion_form.html", {"form": form, "criterion": criterion})


def _hit_rows(kind, rows) -> list[dict]:
    """Hits (stored or previewed) with their measured and reference values formatted for the kind."""
    out = []
    for r in rows:
        if isinstance(r, dict):
            get, number = r.get, r.get("declaration_number")
        else:
            get, number = (lambda name, r=r: getattr(r, name)), (r.declaration.number if r.declaration else None)
        out.append({"tax_code": get("tax_code"), "declaration": number,
                    "registered_on": get("registered_on"),
                    "value": format_measure(get("value"), kind.value if kind else None),
                    "reference": format_measure(get("reference"), kind.reference if kind else None)})
    return out


@login_required
def criterion_detail(request, pk: int):
    _may_view(request.user)
    criterion = get_object_or_404(Criterion.objects.select_related("risk_area", "owner_unit"), pk=pk)
    kind = KINDS.get(criterion.kind)
    hits = criterion.hits.select_related("declaration").order_by("-registered_on", "pk")
    page = Paginator(hits, 50).get_page(request.GET.get("page"))
    return render(request, "risk/criterion_detail.html", {
        "criterion": criterion, "kind": kind, "page": page, "rows": _hit_rows(kind, page.object_list),
        "params": describe_params(kind, criterion.params) if kind else [],
        "may_manage": policy.can_at(request.user, "risk.manage_criteria", criterion.owner_unit),
    })


@login_required
@require_POST
def criteria_run(request):
    try:
        run = services.criteria_run(actor=request.user)
        result = services.enterprise_risk_recompute(actor=request.user)
    except AppError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(c)s criteria evaluated: %(h)s hits; %(e)s enterprises scored.")
                         % {"c": run.criteria, "h": run.hits, "e": result["enterprises"]})
    return _back(request, "risk:criteria")


@login_required
def criterion_preview(request, pk: int):
    """The rows the criterion hits now (not stored), as a fragment."""
    _may_view(request.user)
    criterion = get_object_or_404(Criterion, pk=pk)
    kind = KINDS.get(criterion.kind)
    try:
        rows = preview_hits(criterion, limit=20)
    except AppError as error:
        rows, message = [], str(error.message)
    else:
        message = ""
    return render(request, "risk/_preview.html", {"rows": _hit_rows(kind, rows), "message": message, "kind": kind})


@login_required
def models(request):
    _may_view(request.user)
    active = selectors.active_model()
    return render(request, "risk/models.html", {
        "versions": ModelVersion.objects.select_related("trained_by"),
        "active": active,
        "drift": drift_watch.model_drift(active),
        "may_activate": policy.can_anywhere(request.user, "risk.train"),
        **_training_context(TrainingRun.objects.select_related("model_version").first()),
    })


def _training_context(training) -> dict:
    return {"training": training,
            "failure": training_runs.failure_text(training) if training and training.state == "failed" else ""}


@login_required
@require_POST
def model_train(request):
    """Start a training in the background; the models page shows its progress."""
    try:
        training_runs.start(actor=request.user)
    except AppError as error:
        _error(request, error)
    else:
        messages.success(request, _("Training started. It runs in the background; this page shows its progress."))
    return redirect("risk:models")


@login_required
def training_detail(request, pk: int):
    """A training's progress (the fragment the models page polls while it is under way)."""
    _may_view(request.user)
    training = get_object_or_404(TrainingRun.objects.select_related("model_version"), pk=pk)
    return render(request, "risk/_training.html", _training_context(training))


@login_required
@require_POST
def model_activate(request, pk: int):
    version = get_object_or_404(ModelVersion, pk=pk)
    try:
        services.model_version_activate(actor=request.user, model_version=version)
    except AppError as error:
        _error(request, error)
    else:
        messages.success(request, _("Model version v%(n)s is now in use.") % {"n": version.number})
    return redirect("risk:models")


def _list_units(user):
    ids = [u.pk for u in Unit.objects.all() if policy.can_at(user, "risk.target_list", u)]
    return Unit.objects.filter(pk__in=ids).order_by("path")


@login_required
def target_lists(request):
    _may_view(request.user)
    units = _list_units(request.user)
    form = TargetListForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        target_list = call_service(form, lambda: services.target_list_generate(actor=request.user,
                                                                               **form.cleaned_data))
        if target_list is not None:
            messages.success(request, _("Target list made: %(n)s enterprises.") % {"n": target_list.picks.count()})
            return redirect("risk:target_list", pk=target_list.pk)
    lists = selectors.target_lists().annotate(n=Count("picks")).order_by("-created_at", "-pk")
    page = Paginator(lists, 25).get_page(request.GET.get("page"))
    return render(request, "risk/target_lists.html", {"form": form, "page": page, "may_create": units.exists()})


def _proposal_url() -> str | None:
    for name in ("audits:proposal_create", "audits:proposal_new", "audits:create"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@login_required
def target_list_detail(request, pk: int):
    _may_view(request.user)
    target_list = get_object_or_404(selectors.target_lists(), pk=pk)
    picks = selectors.show_collections(request.user, target_list.picks.select_related("enterprise", "info_collection"))
    return render(request, "risk/target_list.html", {
        "list": target_list,
        "picks": [{"p": p, "reasons": [reason_text(r) for r in p.reasons]} for p in picks],
        "notes": [selectors.note_text(n) for n in target_list.notes],
        "may_collect": policy.can_at(request.user, "info_collection.create", target_list.unit),
        "proposal_url": _proposal_url(),
    })


@login_required
@require_POST
def pick_collect(request, pk: int):
    pick = get_object_or_404(TargetPick, pk=pk)
    try:
        case = services.pick_to_info_collection(actor=request.user, pick=pick)
    except AppError as error:
        _error(request, error)
        return redirect("risk:target_list", pk=pick.target_list_id)
    messages.success(request, _("Information collection %(n)s recorded as a draft.") % {"n": case.number})
    return redirect(case)


@login_required
def alerts(request):
    _may_view(request.user)
    filterset = AlertFilter(request.GET, queryset=selectors.alerts(None), request=request)
    valid = filterset.is_valid()  # a bad state: its error above an empty list, not every alert
    state = filterset.form.cleaned_data.get("state") or OPEN if valid else ""
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), 25).get_page(request.GET.get("page"))
    may_handle = policy.can_anywhere(request.user, "risk.alerts")
    units = [u for u in Unit.objects.order_by("path") if policy.can_at(request.user, "info_collection.create", u)]
    return render(request, "risk/alerts.html", {
        "page": page, "state": state, "may_handle": may_handle, "units": units,
        "rows": [{"a": a, "text": selectors.alert_text(a)}
                 for a in selectors.show_collections(request.user, page.object_list)],
        "states": STATE_CHOICES, "filter_errors": filterset.form.errors.get("state"),
    })


@login_required
@require_POST
def alert_action(request, pk: int, action: str):
    alert = get_object_or_404(Alert, pk=pk)
    version = posted_version(request)
    try:
        if action == "acknowledge":
            services.alert_acknowledge(actor=request.user, alert=alert, expected_version=version)
            messages.success(request, _("Alert acknowledged."))
        elif action == "dismiss":
            form = DismissForm(request.POST)
            services.alert_dismiss(actor=request.user, alert=alert, expected_version=version,
                                   reason=form.data.get("reason", ""))
            messages.success(request, _("Alert dismissed."))
        elif action == "collect":
            unit = Unit.objects.filter(pk=posted_id(request, "unit") or 0).first()
            case = services.alert_to_info_collection(actor=request.user, alert=alert, unit=unit,
                                                     expected_version=version)
            messages.success(request, _("Information collection %(n)s recorded as a draft.") % {"n": case.number})
            return redirect(case)
        else:
            raise Http404
    except AppError as error:
        _error(request, error)
    return _back(request, "risk:alerts")


@login_required
@require_POST
def enterprise_recompute(request, tax_code: str):
    enterprise = get_object_or_404(Enterprise, tax_code=tax_code)
    try:
        services.enterprise_risk_recompute(actor=request.user, tax_codes=[enterprise.tax_code])
    except AppError as error:
        _error(request, error)
    else:
        messages.success(request, _("Risk recomputed."))
    return redirect("enterprises:detail", tax_code=enterprise.tax_code)


@login_required
def backtests(request):
    """Backtest a targeting policy on a past period: the form, and the backtests asked for so far."""
    _may_view(request.user)
    may_run = policy.can_anywhere(request.user, "risk.backtest")
    form = BacktestForm(request.POST or None)
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                backtest = policy_backtest.start(
                    actor=request.user, period_from=data["period_from"], period_to=data["period_to"],
                    criteria=data["criteria"], model_version=data["model_version"], capacity=data["capacity"],
                    exploration_share=data["exploration_share"])
            except AppError as error:
                apply_app_error(form, error)
            else:
                return redirect("risk:backtest", pk=backtest.pk)
    page = Paginator(PolicyBacktest.objects.select_related("model", "created_by"), 20).get_page(request.GET.get("page"))
    return render(request, "risk/backtests.html", {"form": form, "page": page, "may_run": may_run})


@login_required
def backtest_detail(request, pk: int):
    _may_view(request.user)
    backtest = get_object_or_404(PolicyBacktest.objects.select_related("model"), pk=pk)
    template = "risk/_backtest_result.html" if request.htmx else "risk/backtest.html"
    return render(request, template, {"b": backtest, **policy_backtest.presentation(backtest)})
