from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is only ever appended to, by the portal itself."""

    list_display = ["created_at", "actor_label", "action", "target", "region", "ip"]
    list_filter = ["action", "region"]
    search_fields = ["actor_label", "target", "establishment__finess"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
