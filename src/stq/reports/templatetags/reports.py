"""Template helpers for reports: a row's (column, value) pairs and figures in the display format."""

from decimal import Decimal

from django import template

from stq.reports.measures import PERCENT

register = template.Library()


@register.filter
def cells(row, table):
    return list(zip(table.columns, row.cells(table), strict=True))


@register.filter
def figure(value, kind) -> str:
    """1.234.567 for counts and VND (dot as thousands separator), 12,5 for percentages, — for no value."""
    if value is None:
        return "—"
    if kind == PERCENT:
        return f"{Decimal(value):.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")
