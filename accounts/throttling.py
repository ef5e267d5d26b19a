"""API throttling: a number of requests per token, per person, or per address when anonymous.

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (scopes `service`, `user`, `anon`),
read at every request so that settings overrides apply. Counts live in the default cache: with
several server processes, give them a shared cache for exact limits.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ServiceToken
from audit.request_info import client_ip


class APIRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        # The scope (and so the rate) depends on the caller: decided in `allow_request`.
        self.rate: str | None = None
        self.num_requests: int | None = None
        self.duration: int | None = None

    def allow_request(self, request, view) -> bool:
        if isinstance(request.auth, ServiceToken):
            self.scope, ident = "service", f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", f"user-{request.user.pk}"
        else:
            self.scope, ident = "anon", client_ip(request) or self.get_ident(request)
        self.ident = ident
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[assignment]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
