"""The apps' import graph: no app imports one built on it (docs/architecture.md).

Every import statement of every module of the apps (module level or inside a function, migrations
aside) is read from the source; an import of another app must be one its floor allows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The modules of `care_portal` any app may use: the display formats, charts, API helpers,
# identifiers, spreadsheet guard, stored-file checksums, the replica router, environment and HTTP
# headers, the run locks and workers' heartbeats (runs, models), the collector pause, the queries
# built once (precompiled), the pages of long lists (pagination). They import no app.
TOOLKIT = frozenset(
    {
        "care_portal.api_errors",
        "care_portal.api_filters",
        "care_portal.api_schema",
        "care_portal.charts",
        "care_portal.collection",
        "care_portal.db_router",
        "care_portal.env",
        "care_portal.formats",
        "care_portal.headers",
        "care_portal.ids",
        "care_portal.middleware",
        "care_portal.models",
        "care_portal.pagination",
        "care_portal.precompiled",
        "care_portal.runs",
        "care_portal.spreadsheets",
        "care_portal.stored_files",
        "care_portal.template_formats",
    }
)
APPS = (
    "establishments",
    "audit",
    "accounts",
    "referential",
    "assessments",
    "actions",
    "funding",
    "reports",
    "dashboards",
    "followup",
    "care_portal",
    "demo",
)
# App -> the other apps it may import (besides the toolkit).
ALLOWED: dict[str, frozenset[str]] = {
    # The registry: regions, GHTs, establishments, people, roles and scopes.
    "establishments": frozenset({"audit"}),
    # The ground floor every app records into; it files events under the registry's
    # establishments and regions and filters them by its scope.
    "audit": frozenset({"establishments"}),
    "accounts": frozenset({"establishments", "audit"}),
    "referential": frozenset({"establishments", "audit"}),
    "assessments": frozenset({"establishments", "referential", "audit"}),
    # The action plans: actions on an assessment's gaps, their priority, the ARS agreement.
    "actions": frozenset({"establishments", "referential", "assessments", "audit"}),
    # Funding calls and candidacies: read the assessments' answers and evidence.
    "funding": frozenset({"establishments", "referential", "assessments", "audit"}),
    "reports": frozenset(
        {"establishments", "referential", "assessments", "actions", "funding", "audit"}
    ),
    "dashboards": frozenset(
        {"establishments", "referential", "assessments", "actions", "funding", "audit"}
    ),
    "followup": frozenset(
        {
            "establishments",
            "referential",
            "assessments",
            "actions",
            "funding",
            "audit",
            "reports",
            "dashboards",
        }
    ),
    # Infrastructure: settings, the URLconfs, the shared pages and the navigation, the API's
    # parsers. Any app but the demo data (today: the API views of `assessments`,
    # `establishments` and `referential`, the sign-in form of `accounts`, the registry's roles;
    # the other URLconfs are included by their dotted name).
    "care_portal": frozenset(set(APPS) - {"care_portal", "demo"}),
    "demo": frozenset(set(APPS) - {"demo"}),
}


def imported_modules(source: str) -> set[str]:
    """The absolute modules a source imports (``from a import b``: ``a.b`` and ``a``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(app: str, modules: set[str]) -> set[str]:
    """The imported modules ``app`` may not import."""
    bad = set()
    for module in modules:
        top = module.split(".")[0]
        if top == app or top not in APPS:
            continue
        if top == "care_portal":
            # `from care_portal import formats` names the package, then the module.
            if module == "care_portal" or module in TOOLKIT:
                continue
            if any(module.startswith(f"{tool}.") for tool in TOOLKIT):
                continue
        if top in ALLOWED[app]:
            continue
        bad.add(module)
    return bad


def app_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_the_apps_below_it(app):
    found = {}
    for path in app_modules(app):
        bad = violations(app, imported_modules(path.read_text(encoding="utf-8")))
        if bad:
            found[str(path.relative_to(ROOT))] = sorted(bad)
    assert found == {}


def test_the_toolkit_imports_no_app():
    found = {}
    for module in sorted(TOOLKIT):
        path = ROOT / (module.replace(".", "/") + ".py")
        bad = {
            m
            for m in imported_modules(path.read_text(encoding="utf-8"))
            if m.split(".")[0] in APPS and m.split(".")[0] != "care_portal"
        }
        if bad:
            found[module] = sorted(bad)
    assert found == {}


@pytest.mark.parametrize(
    ("app", "source", "allowed"),
    [
        ("assessments", "from dashboards.targets import target_status", False),
        ("assessments", "from reports.pdf import render_report_pdf", False),
        ("referential", "def f():\n    from assessments.models import Assessment", False),
        ("establishments", "import assessments.models", False),
        ("audit", "from referential.models import Requirement", False),
        ("reports", "from care_portal.urls import urlpatterns", False),
        ("dashboards", "from demo.seed import seed_all", False),
        ("dashboards", "from care_portal import formats", True),
        ("followup", "from reports.pdf import render_report_pdf", True),
        ("reports", "from referential.targets import headline_targets", True),
        ("demo", "from followup.services import run_reminders", True),
    ],
)
def test_the_check_tells_an_upward_import(app, source, allowed):
    """The check itself: an upward import is reported, an allowed one is not."""
    assert (violations(app, imported_modules(source)) == set()) is allowed


def test_every_app_is_placed():
    """A new app must be given its floor here (and in docs/architecture.md)."""
    from django.apps import apps

    local = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    }
    assert local | {"care_portal"} == set(APPS)
