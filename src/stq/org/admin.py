from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import RoleGrant, Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level_label", "parent", "valid_from", "valid_to"]
    search_fields = ["code", "name"]
    ordering = ["path"]


@admin.register(User)
class StqUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "unit", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("STQ", {"fields": ("full_name", "unit", "title", "external_subject")}),)


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "include_units_below", "granted_at", "revoked_at"]
    list_filter = ["role"]
