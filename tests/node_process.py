"""One portal process for the several-machines tests, driven over its standard input.

Run with the environment of a node (DATABASE_URL, CARE_CACHE_URL, DATABASE_REPLICA_URL…): each
line read is a JSON command, each answer one JSON line. Used by tests/test_several_processes.py.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.scoring.compiled import compiled_referential  # noqa: E402
from care_portal.db_router import ReplicaPinMiddleware, reads_from_replica  # noqa: E402
from establishments.models import Establishment  # noqa: E402
from referential.models import ReferentialVersion, Requirement  # noqa: E402
from tests import factories  # noqa: E402


def draft(_):
    version = factories.ReferentialVersionFactory(status=ReferentialVersion.Status.DRAFT)
    requirement = factories.RequirementFactory(
        objective__axis__referential=version, code="GOV-COMITE"
    )
    return {"referential": version.pk, "requirement": requirement.pk}


def codes(command):
    return sorted(compiled_referential(command["referential"]).code_by_id.values())


def rename(command):
    requirement = Requirement.objects.get(pk=command["requirement"])
    requirement.code = command["code"]
    requirement.save()
    return requirement.code


def add(command):
    requirement = Requirement.objects.get(pk=command["requirement"])
    factories.RequirementFactory(objective=requirement.objective, code=command["code"])
    return True


def _new_establishment(name: str) -> Establishment:
    # Each process starts its factory sequences afresh: continue after what the database holds.
    existing = Establishment.objects.using("default").select_related("department__region").first()
    factories.EstablishmentFactory.reset_sequence(Establishment.objects.using("default").count())
    extra = {"department": existing.department} if existing else {}
    return factories.EstablishmentFactory(name=name, **extra)


def establishment(command):
    return _new_establishment(command["name"]).finess


def _names_view(request):
    if request.GET.get("create"):
        _new_establishment(request.GET["create"])
    return sorted(Establishment.objects.values_list("name", flat=True))


def replica_read(command):
    """Reads of a replica-marked view in a request (with the cookie given, if any)."""
    holder = {}

    def view(request):
        holder["names"] = _names_view(request)
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = ReplicaPinMiddleware(reads_from_replica(view))
    request = RequestFactory().get("/", command.get("query", {}))
    if command.get("cookie"):
        request.COOKIES["care_primary"] = command["cookie"]
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = middleware(request)
    cookie = response.cookies.get("care_primary")
    return {
        "names": holder["names"],
        "primary_selects": sum(q["sql"].startswith("SELECT") for q in primary.captured_queries),
        "replica_selects": sum(q["sql"].startswith("SELECT") for q in replica.captured_queries),
        "primary_writes": sum(q["sql"].startswith("INSERT") for q in primary.captured_queries),
        "cookie": cookie.value if cookie else None,
    }


COMMANDS = {
    "draft": draft,
    "codes": codes,
    "rename": rename,
    "add": add,
    "establishment": establishment,
    "replica_read": replica_read,
}

for line in sys.stdin:
    command = json.loads(line)
    try:
        answer = {"ok": COMMANDS[command["do"]](command)}
    except Exception as error:  # the test shows it
        answer = {"error": repr(error)}
    print(json.dumps(answer), flush=True)
