"""Operational records of the connection: the batches the consumer stored, the messages it dead-lettered and the
state of each consumer (for the health page and the JSON logs). Not business data: the declarations themselves
are stored by the file import's path (``ImportJob`` says who wrote what)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.limits import NOTE_MAX, LimitedTextField


class Batch(models.Model):
    """One batch of messages taken from the queue. Created before the import, so that a consumer killed between
    the commit of its import and the risk scoring leaves a trace: ``scored_at`` stays empty and the next start
    scores it (``consumer.recover``). The import jobs of a batch are named ``broker-<batch id>-<attempt>.csv``."""

    consumer = models.CharField(_("consumer"), max_length=100)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    messages = models.PositiveIntegerField(_("messages"), default=0)
    declarations = models.PositiveIntegerField(_("declarations stored"), default=0)
    lines = models.PositiveIntegerField(_("goods lines stored"), default=0)
    unchanged = models.PositiveIntegerField(_("redelivered or unchanged"), default=0)
    dead_lettered = models.PositiveIntegerField(_("dead-lettered"), default=0)
    jobs = models.JSONField(_("import jobs"), default=list)
    latency_ms = models.JSONField(_("publication → stored and scored (ms)"), default=list)
    risk = models.JSONField(_("risk on arrival"), default=dict)

    class Meta:
        verbose_name = _("received batch")
        verbose_name_plural = _("received batches")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["scored_at"], name="exchange_batch_scored",
                                condition=models.Q(scored_at__isnull=True))]


class DeadLetter(models.Model):
    """A message sent to the dead-letter queue (the copy there is the message itself; this row is for the page)."""

    consumer = models.CharField(_("consumer"), max_length=100)
    at = models.DateTimeField(_("at"), default=timezone.now)
    message_id = models.CharField(_("message id"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    excerpt = models.CharField(_("beginning of the message"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-at", "-id"]


class ConsumerState(models.Model):
    """What one consumer last reported (one row per consumer name)."""

    name = models.CharField(_("consumer"), max_length=100, unique=True)
    queue = models.CharField(_("queue"), max_length=200)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    batches = models.PositiveBigIntegerField(_("batches"), default=0)
    messages = models.PositiveBigIntegerField(_("messages"), default=0)
    declarations = models.PositiveBigIntegerField(_("declarations stored"), default=0)
    dead_lettered = models.PositiveBigIntegerField(_("dead-lettered"), default=0)
    waiting = models.BigIntegerField(_("messages waiting (lag)"), null=True, blank=True)
    lag_seconds = models.FloatField(_("age of the last message stored (s)"), null=True, blank=True)
    rate = models.FloatField(_("messages per second (last batch)"), default=0)
    last_error = LimitedTextField(_("last error"), max_length=NOTE_MAX, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consumer")
        verbose_name_plural = _("consumers")


class OutboxMessage(models.Model):
    """A result waiting to go out on ``<prefix>.results``: written in the transaction of the change it reports and
    published later by the consumer's loop (``outbound.flush``), so a broker that is down loses nothing. The body is
    fixed once written; its message id is the SHA-256 of the body, so a message published again (a crash between
    the broker's confirmation and ``published_at``) carries the same id and the receiver drops the repeat.

    A row with no body yet stands for the picks of a new target list (``source`` = ``target_list:<id>``): the list's
    picks are written after the list itself in that transaction, so the body is rendered (and fixed) by the first
    flush after the commit."""

    routing_key = models.CharField(_("routing key"), max_length=50)
    message_id = models.CharField(_("message id"), max_length=64, blank=True)
    body = models.BinaryField(_("body"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], name="exchange_outbox_pending",
                                condition=models.Q(published_at__isnull=True))]
