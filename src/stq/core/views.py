from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification
from .work import my_work


@login_required
def home(request):
    return render(request, "core/home.html", {"work": my_work(request.user)})


@login_required
def notifications(request):
    items = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "core/notifications.html", {"items": items})


@login_required
@require_POST
def notification_open(request, pk: int):
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return redirect(item.url or "notifications")


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
