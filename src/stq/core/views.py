from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notification_of, notifications_of
from .work import my_work


@login_required
def home(request):
    return render(request, "core/home.html", {"work": my_work(request.user)})


@login_required
def notifications(request):
    return render(request, "core/notifications.html", {"items": notifications_of(request.user)})


@login_required
@require_POST
def notification_open(request, pk: int):
    item = notification_of(request.user, pk)
    if item is None:
        raise Http404
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return redirect("notifications" if item.withheld else (item.url or "notifications"))


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")


# --- the working-day calendar: government-announced swaps, kept by the national administrator -------------------
from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.utils.translation import get_language  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from stq.org import policy  # noqa: E402
from stq.org.models import Unit  # noqa: E402

from . import calendar, services  # noqa: E402
from .forms import call_service  # noqa: E402
from .models import CalendarDay  # noqa: E402


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
            form, lambda: services.calendar_day_add(actor=request.user, **form.cleaned_data)):
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
    services.calendar_day_remove(actor=request.user, day=get_object_or_404(CalendarDay, pk=pk))
    messages.success(request, _("Calendar updated."))
    return redirect("calendar_days")
