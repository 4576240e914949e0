"""A new audit target list goes out to the clearance system (when the broker is configured): its outbox row is
written in the list's transaction, and published after the commit (or by the consumer's loop, later)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from stq.risk.models import TargetList

from . import broker


@receiver(post_save, sender=TargetList, dispatch_uid="stq.exchange.target_list_created")
def _target_list_created(sender, instance, created, **kwargs):
    if created and broker.enabled():
        from .outbound import enqueue_target_list, try_flush

        enqueue_target_list(instance.pk)
        transaction.on_commit(try_flush)
