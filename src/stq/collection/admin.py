from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import RiskArea


@admin.register(RiskArea)
class RiskAreaAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_vi", "name_en", "active", "order"]
    list_editable = ["active", "order"]
    search_fields = ["code", "name_vi", "name_en"]
