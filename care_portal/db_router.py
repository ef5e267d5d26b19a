"""An optional read replica for the heavy reads: dashboards, lists and exports.

With `DATABASE_REPLICA_URL` set, the views marked `@reads_from_replica` read the portal's data
from the replica alias. Everything else reads from the primary, and so does:

- everything after a write in the same request (the write and what follows it stay together);
- every request of a person for `CARE_REPLICA_PIN_SECONDS` after one of their own writes
  (`ReplicaPinMiddleware`, a cookie), so that a save is never hidden by a lagging replica;
- sessions, accounts, second factors, sign-in attempts and the task queue, always.

Writes always go to the primary, and migrations run on the primary only.
"""

from __future__ import annotations

import functools
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "care_primary"
# Data the replica may serve: the portal's own apps, not the accounts (a person who has just
# signed in or enrolled a second factor must be found at once).
_REPLICA_APPS = {"establishments", "referential", "assessments", "dashboards", "followup", "audit"}
_PRIMARY_MODELS = {"user"}


@dataclass
class _RequestState:
    replica_allowed: bool = False
    wrote: bool = False


_state: ContextVar[_RequestState | None] = ContextVar("care_replica_state", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_from_replica(view):
    """Mark a read-only view (dashboard, list, export) whose reads may come from the replica."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        state = _state.get()
        own = state is None
        if own:
            state = _RequestState()
            token = _state.set(state)
        pinned = getattr(request, "care_primary_pinned", False)
        state.replica_allowed = replica_configured() and not pinned and not state.wrote
        try:
            return view(request, *args, **kwargs)
        finally:
            state.replica_allowed = False
            if own:
                _state.reset(token)

    return wrapped


def _may_use_replica(model) -> bool:
    meta = model._meta
    return meta.app_label in _REPLICA_APPS and meta.model_name not in _PRIMARY_MODELS


class PrimaryReplicaRouter:
    """Sends the marked views' reads to the replica; every write and the rest to the primary."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        allowed = state is not None and state.replica_allowed and not state.wrote
        return REPLICA if allowed and _may_use_replica(model) else "default"

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and _may_use_replica(model):
            # From now on this request reads its own writes.
            state.wrote = True
            state.replica_allowed = False
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Keeps a person on the primary for a short while after one of their own writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        try:
            pinned_until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            pinned_until = 0.0
        request.care_primary_pinned = pinned_until > time.time()
        state = _RequestState()
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote:
            seconds = settings.CARE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
