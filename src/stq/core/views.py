from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notification_of, notifications_of


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
