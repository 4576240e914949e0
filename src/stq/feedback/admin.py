from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChangeRequest


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ("number", "unit", "function_name", "state", "proposed_on")
    list_filter = ("state",)
    search_fields = ("number", "function_name")
    readonly_fields = ("state", "number")
