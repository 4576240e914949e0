"""The working-day calendar's administration page: the government-announced swaps, kept by the national unit
administrator, beside the holidays package's days off."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.core import calendar
from stq.core.forms import call_service
from stq.core.models import CalendarDay

from . import calendar_admin, policy
from .models import Unit


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
                   "kind": forms.Select(attrs={"class": "form-select"}),
                   "reason": forms.TextInput(attrs={"class": "form-control"})}


def _root_unit_for_calendar(user) -> Unit:
    root = Unit.objects.root()
    if root is None or not policy.can_at(user, "core.manage_calendar", root):
        raise Http404
    return root


@login_required
def calendar_days(request):
    _root_unit_for_calendar(request.user)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and call_service(
            form, lambda: calendar_admin.calendar_day_add(actor=request.user, **form.cleaned_data)):
        messages.success(request, _("Calendar updated."))
        return redirect("calendar_days")
    days = CalendarDay.objects.order_by("-date")[:200]
    this_year = timezone.localdate().year
    language = "vi" if (get_language() or "vi").startswith("vi") else "en_US"
    package_days = [(year, calendar.holidays_and_swaps(year, language)) for year in (this_year, this_year + 1)]
    return render(request, "core/calendar.html", {"form": form, "days": days, "package_days": package_days})


@login_required
@require_POST
def calendar_day_delete(request, pk: int):
    _root_unit_for_calendar(request.user)
    calendar_admin.calendar_day_remove(actor=request.user, day=get_object_or_404(CalendarDay, pk=pk))
    messages.success(request, _("Calendar updated."))
    return redirect("calendar_days")
