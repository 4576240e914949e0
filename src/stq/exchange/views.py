"""The health page of the connection to the clearance system (thin: ``selectors.status`` does the work)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from stq.org import policy

from . import selectors


@login_required
def health(request):
    if not (request.user.is_staff or policy.can_anywhere(request.user, "risk.view")):
        raise PermissionDenied
    return render(request, "exchange/health.html", selectors.status())
