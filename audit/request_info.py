"""What the portal knows about where a request comes from."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The caller's IP address.

    Behind a reverse proxy, `CARE_CLIENT_IP_HEADER` names the request header the proxy sets to the
    real address (for example `HTTP_X_REAL_IP`); the header is trusted only when configured, since
    a client can send any header it likes. Returns None when the value is not an IP address.
    """
    if request is None:
        return None
    header = getattr(settings, "CARE_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    raw = request.META.get(header) or request.META.get("REMOTE_ADDR") or ""
    # X-Forwarded-For may hold a list: the proxy appends the address it saw last.
    candidate = raw.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
