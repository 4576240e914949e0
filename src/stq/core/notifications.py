"""In-app notifications. `notify()` is the one call; it sends after the surrounding transaction commits,
so a rolled-back action notifies nobody. E-mail can be added behind the same call later."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from .limits import NOTE_MAX
from .models import Notification
from .texts import render, stored


def notify(recipients: Iterable, *, title, body="", url: str = "", level: str = "info",
           dedupe_key: str | None = None, case=None) -> None:
    """`title` and `body`: a `texts.Text` or a lazy translation, stored as codes with parameters and shown in each
    reader's language. `case`: the case the notification is about; the recipient reads it only while the case is in
    their scope."""
    users = [u for u in {getattr(r, "pk", None): r for r in recipients}.values() if u is not None]
    message = {"title": stored(title), **({"body": stored(body)} if body else {})}
    # the columns' lengths (the codes in `message` keep the whole text); a longer body would fail the column's CHECK
    # and be taken below for a notification already sent
    title, body = render(message["title"])[:255], render(message.get("body"))[:NOTE_MAX]
    case_ref = {}
    if case is not None:
        case_ref = {"case_type": ContentType.objects.get_for_model(type(case)), "case_id": case.pk}

    def send():
        for user in users:
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        recipient=user, title=title, body=body, message=message, url=url, level=level,
                        dedupe_key=dedupe_key, **case_ref)
            except IntegrityError:  # already sent (dedupe_key)
                continue

    transaction.on_commit(send)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(user, *, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, each about a case checked against that case type's one visibility selector
    now (`policy.visible_to`): one the user no longer sees is `withheld` — its title, message and link are not shown.
    """
    from stq.org import policy

    items = list(Notification.objects.filter(recipient=user)[:limit])
    about: dict[int, set[int]] = defaultdict(set)
    for item in items:
        if item.case_type_id:
            about[item.case_type_id].add(item.case_id)
    seen: dict[int, set[int]] = {}
    for type_id, ids in about.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        seen[type_id] = set(policy.visible_to(user, model).filter(pk__in=ids).values_list("pk", flat=True))
    for item in items:
        item.withheld = bool(item.case_type_id) and item.case_id not in seen[item.case_type_id]
    return items


def notification_of(user, pk: int) -> Notification | None:
    """One of the user's notifications, marked `withheld` like in `notifications_of`."""
    from stq.org import policy

    item = Notification.objects.filter(recipient=user, pk=pk).first()
    if item is not None and item.case_type_id:
        model = item.case_type.model_class()
        item.withheld = not policy.visible_to(user, model).filter(pk=item.case_id).exists()
    return item
