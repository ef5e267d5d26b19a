"""Health checks for the load balancer: `/healthz` (the process answers) and `/readyz` (it can
serve: database, cache and file storage reachable, every migration applied).

Both answer JSON without authentication and say nothing but the name and state of each check;
what went wrong is logged, never shown.
"""

from __future__ import annotations

import logging
import secrets

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

_migrations_applied = False


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _migrations() -> None:
    # Once applied they stay applied: a node checks the plan until it is empty, then no more.
    global _migrations_applied
    if _migrations_applied:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrations_applied = True


def _cache() -> None:
    key, value = f"care:readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache does not keep what it is given")
    finally:
        cache.delete(key)


def _storage() -> None:
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        # Object storage: the bucket itself must answer (a missing bucket is not a missing file).
        bucket.meta.client.head_bucket(Bucket=bucket.name)
    else:
        default_storage.exists("readyz")


CHECKS = {
    "database": _database,
    "migrations": _migrations,
    "cache": _cache,
    "storage": _storage,
}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    failing: list[str] = []
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failing:
            checks[name] = "skipped"
            continue
        try:
            check()
        except Exception:
            logger.exception("Readiness check %r failed", name)
            checks[name] = "error"
            failing.append(name)
        else:
            checks[name] = "ok"
    body: dict[str, object] = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
