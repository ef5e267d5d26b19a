from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from audit.services import record_admin_rights_change, record_role_change
from establishments.models import (
    GHT,
    Department,
    Establishment,
    GHTMember,
    Region,
    RoleAssignment,
    SiretCheck,
    User,
)
from establishments.services import establishment_edited


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


class GHTMemberInline(admin.TabularInline):
    model = GHTMember
    extra = 0


class RegistryEditAdmin(admin.ModelAdmin):
    """An edit of the registry by hand — a save, a deletion, an inline row — told like an
    import, in its transaction: what is kept per establishment elsewhere (counts per group,
    the snapshots' copies) follows it."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        establishment_edited()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):  # inline rows (GHT members)
            establishment_edited()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        establishment_edited()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        establishment_edited()


@admin.register(GHT)
class GHTAdmin(RegistryEditAdmin):
    list_display = ["code", "name", "region", "support_establishment"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    raw_id_fields = ["support_establishment"]
    inlines = [GHTMemberInline]


@admin.register(Establishment)
class EstablishmentAdmin(RegistryEditAdmin):
    list_display = ["finess", "name", "kind", "category_label", "department", "region", "ght"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["finess", "finess_ej", "name"]
    raw_id_fields = ["ght"]
    list_select_related = ["department", "region", "ght"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["establishment", "ght"]
    readonly_fields = ["provider_siret_check"]

    @admin.display(description=_("SIRET ProConnect"))
    def provider_siret_check(self, obj):
        """The SIRET the person last signed in with, against this role's establishment(s)."""
        check = obj.siret_check() if obj.pk else None
        if check is None:
            return "—"
        return f"{obj.user.provider_siret} : {SiretCheck(check).label}"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [RoleAssignmentInline]
    readonly_fields = ["provider_siret"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "provider_siret")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_admin_rights_change(actor=request.user, user=obj, form=form, request=request)

    def save_formset(self, request, form, formset, change):
        """Role assignments added, changed or removed here go to the audit log."""
        super().save_formset(request, form, formset, change)
        if formset.model is not RoleAssignment:
            return
        changes = [
            *((assignment, "revoked") for assignment in formset.deleted_objects),
            *((assignment, "granted") for assignment in formset.new_objects),
            *((assignment, "changed") for assignment, _fields in formset.changed_objects),
        ]
        for assignment, change in changes:
            record_role_change(
                actor=request.user,
                assignment=assignment,
                change=change,
                request=request,
                source="admin",
            )
