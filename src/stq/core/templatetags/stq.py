"""Display formats of design.md: money `1.234.567 ₫`, tax codes `0123456789-001`, dates `dd/mm/yyyy`."""

from django import template
from django.utils import timezone

from stq.core import calendar

register = template.Library()


@register.filter
def vnd(value) -> str:
    if value in (None, ""):
        return ""
    return f"{int(value):,} ₫".replace(",", ".")


@register.filter
def taxcode(value) -> str:
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"{digits[:10]}-{digits[10:]}" if len(digits) == 13 else digits


@register.filter
def dmy(value) -> str:
    if not value:
        return ""
    if hasattr(value, "astimezone"):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


@register.filter
def overdue_working_days(due_on) -> int:
    """Working days past a deadline (0 when not overdue)."""
    today = timezone.localdate()
    if not due_on or due_on >= today:
        return 0
    return calendar.working_days_between(due_on, today)
