from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Reconciliation


@admin.register(Reconciliation)
class ReconciliationAdmin(SimpleHistoryAdmin):
    """Read-only: reconciliations are recorded by the reporting officers, never edited."""

    list_display = ["form", "unit", "date_from", "date_to", "confirmed_by", "confirmed_at", "late"]
    list_filter = ["form", "late"]
    search_fields = ["unit__code", "confirmed_by__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
