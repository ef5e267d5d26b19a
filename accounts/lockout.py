"""Sign-in throttling (django-axes): whose attempts count together, their limits, the lockout page.

Failures are counted three ways (`AXES_LOCKOUT_PARAMETERS`): for one account from one address,
for one address whatever the accounts tried (password spraying), and for one account whatever
the addresses (a distributed guess). Each count has its own limit; reaching any of them locks.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.request_info import client_ip

PAIR = "pair"
ADDRESS = "address"
ACCOUNT = "account"


def attempted_username(request, credentials) -> str:
    """The account an attempt aims at, in the one spelling the account is stored under.

    Django's `authenticate` reports failures with a `username` key; axes' backend checks the lock
    with the user model's field name (`email`); either way, and failing both the form's raw value,
    the name is normalised like the stored address, so every spelling of one account counts as
    that account.
    """
    credentials = credentials or {}
    raw = credentials.get("username")
    if raw is None:
        raw = credentials.get(get_user_model().USERNAME_FIELD)
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return get_user_model().normalize_username(str(raw or ""))


def attempt_ip(request) -> str:
    return client_ip(request) or ""


def _kind(parameter) -> str:
    names = {parameter} if isinstance(parameter, str) else set(parameter)
    if names == {"ip_address"}:
        return ADDRESS
    if names == {"username"}:
        return ACCOUNT
    return PAIR


def failure_limits() -> dict[str, int]:
    return {
        PAIR: settings.AXES_FAILURE_LIMIT,
        ADDRESS: settings.CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT,
        ACCOUNT: settings.CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT,
    }


class SignInAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with one failure limit per lockout parameter."""

    def failures_by_kind(self, request, credentials=None) -> dict[str, int]:
        """Recent failures (within the cool-off time) for each way of counting."""
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        return {
            _kind(parameter): attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for parameter, attempts in zip(parameters, attempts_list, strict=True)
        }

    def exceeded(self, request, credentials=None) -> list[str]:
        """The ways of counting whose limit is reached, pair first."""
        limits = failure_limits()
        failures = self.failures_by_kind(request, credentials)
        return [kind for kind in (PAIR, ACCOUNT, ADDRESS) if failures.get(kind, 0) >= limits[kind]]

    def get_failures(self, request, credentials=None) -> int:
        """The failures axes compares with `AXES_FAILURE_LIMIT` (the pair's limit).

        Axes compares one number with one limit; each count is given as the pair's limit minus
        what is left before its own limit, so axes locks as soon as any count reaches its limit.
        """
        pair_limit = get_failure_limit(request, credentials)
        limits = failure_limits()
        failures = self.failures_by_kind(request, credentials)
        return max([0, *(pair_limit - (limits[kind] - count) for kind, count in failures.items())])

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in, forget only that account's failures from that address.

        Axes would also forget every failure from the address and every failure on the account:
        an attacker signing in to an account of their own would wipe the count of the accounts
        they sprayed, and the person's own sign-in the count of a distributed guess.
        """
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    reasons = AxesProxyHandler.get_implementation().exceeded(request, credentials)
    reason = reasons[0] if reasons else PAIR
    cooloff = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "accounts/lockout.html",
        {
            "page_title": _("Connexion bloquée"),
            "reason": reason,
            "failure_limit": failure_limits()[reason],
            "minutes": int(cooloff.total_seconds() // 60),
        },
        status=429,
    )
