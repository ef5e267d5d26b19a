from django.contrib import admin

from followup.models import BulkReport, Relaunch, RelaunchRecipient, ReminderLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what the portal sent: written by the portal only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "email", "assessment", "period", "sent_at"]
    list_filter = ["kind", "period"]
    search_fields = ["email", "assessment__establishment__finess"]
    date_hierarchy = "created_at"
    raw_id_fields = ["person", "assessment"]


class RelaunchRecipientInline(admin.TabularInline):
    model = RelaunchRecipient
    fields = ["establishment", "email", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Relaunch)
class RelaunchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "region", "sender_label", "subject"]
    list_filter = ["region"]
    search_fields = ["subject", "sender_label", "recipients__establishment__finess"]
    date_hierarchy = "created_at"
    inlines = [RelaunchRecipientInline]


@admin.register(BulkReport)
class BulkReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "requester", "region", "campaign", "status", "expires_at"]
    list_filter = ["status", "region"]
    date_hierarchy = "created_at"
    exclude = ["establishments"]
