"""Administration pages: the units a user administers, their grants, and the grant log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.core.errors import AppError
from stq.core.forms import call_service

from . import policy, selectors, services
from .forms import GrantForm
from .models import Role, RoleGrant, Unit


def _administered_unit(user, code: str) -> Unit:
    unit = selectors.administered_unit(user, code)
    if unit is None:
        raise Http404
    return unit


@login_required
def admin_home(request):
    own = [g.unit_id for g in policy.active_grants(request.user) if g.role == Role.UNIT_ADMIN]
    units = Unit.objects.filter(Q(pk__in=own) | Q(parent_id__in=own)).order_by("path")
    root = Unit.objects.root()
    national = root is not None and policy.can_at(request.user, "core.manage_calendar", root)
    return render(request, "org/admin_home.html", {"units": units, "own": set(own), "is_national_admin": national})


@login_required
def unit_grants(request, code: str):
    unit = _administered_unit(request.user, code)
    form = GrantForm(request.POST or None, unit=unit, actor=request.user)
    if request.method == "POST" and form.is_valid() and call_service(
            form, lambda: services.role_grant(actor=request.user, unit=unit, **form.cleaned_data)):
        messages.success(request, _("Role granted."))
        return redirect("org:unit_grants", code=unit.code)
    return render(request, "org/unit_grants.html", {
        "unit": unit,
        "form": form,
        "grants": selectors.grants_of_unit(unit),
        "log": selectors.grant_log(unit)[:50],
        "users": unit.users.order_by("full_name"),
    })


@login_required
@require_POST
def grant_revoke(request, code: str, pk: int):
    unit = _administered_unit(request.user, code)
    grant = get_object_or_404(RoleGrant, pk=pk, unit=unit)
    try:
        services.role_revoke(actor=request.user, grant=grant)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Role revoked."))
    return redirect("org:unit_grants", code=unit.code)
