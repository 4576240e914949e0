"""In-app notifications. `notify()` is the one call; it sends after the surrounding transaction commits,
so a rolled-back action notifies nobody. E-mail can be added behind the same call later."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from .models import Notification


def notify(recipients: Iterable, *, title: str, body: str = "", url: str = "", level: str = "info",
           dedupe_key: str | None = None) -> None:
    users = [u for u in {getattr(r, "pk", None): r for r in recipients}.values() if u is not None]

    def send():
        for user in users:
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        recipient=user, title=str(title), body=str(body), url=url, level=level, dedupe_key=dedupe_key
                    )
            except IntegrityError:  # already sent (dedupe_key)
                continue

    transaction.on_commit(send)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
