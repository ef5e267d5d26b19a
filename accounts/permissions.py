"""API permission shared by every endpoint: read-only service tokens do not write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ServiceToken


class ServiceTokenWriteAllowed(BasePermission):
    message = _(
        "Ce jeton de service est en lecture seule : il ne peut rien modifier "
        "(renouvelez-le avec --write pour écrire)."
    )
    code = "read_only_token"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if request.method in SAFE_METHODS or not isinstance(token, ServiceToken):
            return True
        return token.account.can_write
