"""Two-factor authentication: an authenticator application (TOTP) and single-use recovery codes."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import segno
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from establishments.models import Role

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"

# Changing the second factor needs the password or a current code typed less than this long ago
# in the same session; signing in with the password counts, so a person who must enrol right
# after signing in is not asked again.
RECENT_AUTHENTICATION = timedelta(minutes=10)
AUTHENTICATED_AT_SESSION_KEY = "care_authenticated_at"


def requires_two_factor(user) -> bool:
    """ARS, national and administration accounts may not work without a second factor."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.roles & {Role.ARS, Role.NATIONAL})


def confirmed_devices(user) -> QuerySet[TOTPDevice]:
    """The person's confirmed authenticator devices (``user`` may be an ``OuterRef``)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def has_two_factor(user) -> bool:
    return confirmed_devices(user).exists()


def must_pass_second_factor(user, *, has_device: bool | None = None) -> bool:
    """Whether the portal asks this person for a code: the role requires it, or they chose it.

    What opens the portal without that code (a long-lived personal API token) is refused to them.
    ``has_device``: whether they have a confirmed device, when already read (else read here).
    """
    if requires_two_factor(user):
        return True
    if not user.is_authenticated:
        return False
    return has_two_factor(user) if has_device is None else has_device


def pending_device(user) -> TOTPDevice:
    """The device being enrolled: the same one (same key) until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    """The secret as people type it into an application: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice, *, title: str) -> str:
    """The enrolment QR code as inline SVG, drawn here (no image service, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=title, svgclass="care-qr", omitsize=False
    )


def normalize_token(token: str) -> str:
    return "".join(token.split()).lower()


@transaction.atomic
def confirm_enrolment(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the new device with a code it shows; returns fresh recovery codes, or None.

    The person's previous authenticator devices are removed: one application at a time.
    """
    if device.user_id != user.pk or device.confirmed:
        return None
    if not device.verify_token(normalize_token(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return regenerate_recovery_codes(user=user)


@transaction.atomic
def regenerate_recovery_codes(*, user) -> list[str]:
    """New single-use recovery codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def locked_until(user):
    """When the second-factor check accepts a code again after wrong ones, or None."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            return data["locked_until"]
    return None


def verify_code(*, user, token: str):
    """The device that accepts this code (authenticator or a recovery code, used up), or None."""
    token = normalize_token(token)
    if not token:
        return None
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    # A six-digit code goes to the application, anything else to the recovery codes, so a
    # mistyped code does not throttle both.
    wanted = TOTPDevice if token.isdigit() else StaticDevice
    for device in devices:
        if isinstance(device, wanted) and device.verify_token(token):
            return device
    return None


@transaction.atomic
def disable_two_factor(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def otp_demo_device(user, key_hex: str) -> TOTPDevice:
    """A confirmed authenticator device with a known secret, for demonstration accounts only.

    Print `manual_key(device)` (or the device's `config_url`) so demo users can add it to an
    application.
    """
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key_hex, confirmed=True)


def mark_recently_authenticated(request) -> None:
    """The person has just proved who they are (password at sign-in, or a confirmation)."""
    request.session[AUTHENTICATED_AT_SESSION_KEY] = time.time()


def recently_authenticated(request) -> bool:
    at = request.session.get(AUTHENTICATED_AT_SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    return 0 <= time.time() - at <= RECENT_AUTHENTICATION.total_seconds()


def confirm_identity(request, secret: str) -> bool:
    """Re-authentication before a change to the second factor: a current code, or the password.

    A code goes through the devices' own throttling (a recovery code is used up); the password
    through sign-in throttling, so wrong ones count as failed sign-ins, are recorded in the audit
    log and end in the same lock.
    """
    user = request.user
    secret = secret or ""
    if not secret.strip():
        return False
    confirmed = verify_code(user=user, token=secret) is not None
    if not confirmed:
        signed_in = authenticate(request, username=user.get_username(), password=secret)
        confirmed = signed_in is not None and signed_in.pk == user.pk
    if confirmed:
        mark_recently_authenticated(request)
    return confirmed
