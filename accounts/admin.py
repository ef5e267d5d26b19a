"""Service accounts and their tokens in the admin: listed, and revocable (created by command)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ServiceAccount, ServiceToken
from accounts.service_tokens import revoke_token


def _revoke(modeladmin, request, tokens) -> None:
    count = sum(
        revoke_token(
            token, reason=ServiceToken.RevokedBecause.ADMIN, actor=request.user, request=request
        )
        for token in tokens.select_related("account__user", "account__owner")
    )
    modeladmin.message_user(
        request,
        ngettext("%(count)d jeton révoqué.", "%(count)d jetons révoqués.", count)
        % {"count": count},
        messages.SUCCESS,
    )


class ServiceTokenInline(admin.TabularInline):
    model = ServiceToken
    extra = 0
    fields = (
        "hint",
        "created_at",
        "expires_at",
        "created_by",
        "status_label",
        "revoked_at",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("état"))
    def status_label(self, token) -> str:
        return token.status_label


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """Created and renewed with `manage.py service_token`; here, read and revoke."""

    list_display = ["name", "scope", "can_write", "owner", "created_at"]
    search_fields = ["name", "owner__email"]
    list_filter = ["can_write"]
    fields = (
        "name",
        "user",
        "scope",
        "can_write",
        "owner",
        "created_at",
    )
    readonly_fields = fields
    inlines = [ServiceTokenInline]
    actions = ["revoke_all_tokens"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("rôle et périmètre"))
    def scope(self, account) -> str:
        return "; ".join(
            f"{assignment.get_role_display()} — {assignment.scope_label}"
            for assignment in account.user.assignments
        )

    @admin.action(description=_("Révoquer tous les jetons des comptes sélectionnés"))
    def revoke_all_tokens(self, request, queryset) -> None:
        _revoke(self, request, ServiceToken.objects.unrevoked().filter(account__in=queryset))


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = ["account", "hint", "created_at", "expires_at", "status_label", "created_by"]
    list_filter = ["revoked_reason", "account"]
    search_fields = ["account__name", "hint"]
    list_select_related = ["account__user", "account__owner", "created_by"]
    fields = (
        "account",
        "hint",
        "created_at",
        "expires_at",
        "created_by",
        "status_label",
        "revoked_at",
        "revoked_reason",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("état"))
    def status_label(self, token) -> str:
        return token.status_label

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset) -> None:
        _revoke(self, request, queryset)


# --- Second-factor devices -------------------------------------------------------------------
# django-otp's own admin pages show each person's authenticator secret (and its QR code) and
# their recovery codes, and let an administrator add or edit a device: whoever reads the secret
# can compute the person's codes. Here they are listed without secrets and can only be removed
# (a lost phone); the person then enrols again from "Sécurité du compte", where a change to the
# second factor takes their password or a current code.


class _DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("user__email",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    inlines = ()

    def get_urls(self):
        # Only the model's standard pages: not django-otp's secret-showing configuration views.
        return admin.ModelAdmin.get_urls(self)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _DeviceAdmin)
