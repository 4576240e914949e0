from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """Government-announced swaps: extra days off and working weekend days."""

    list_display = ["date", "kind", "reason"]
    list_filter = ["kind"]
