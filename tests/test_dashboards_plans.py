"""The action plans' figures of the dashboards: per region nationally, per department in a region.

The expected figures are counted here in plain Python over factory-built actions and target plans
in two regions (the dashboards count them in SQL): the unmet CaRE targets with a plan the ARS
agreed, the actions overdue, and the estimated costs by funding source.
"""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from care_portal.formats import format_amount
from tests.dashboards_data import TARGET_KINDS, build_campaign, expected
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    EstablishmentFactory,
    TargetPlanFactory,
)

pytestmark = pytest.mark.django_db

FUNDINGS = ("", "own", "fir", "other")
PLANNABLE = [key for key in TARGET_KINDS if key != "submitted"]  # the portal status is not
CLOSED = (Action.Status.DONE, Action.Status.ABANDONED)


def _plans(records, rng: random.Random) -> list[Action]:
    """Actions of every kind on the records' assessments, and agreed plans on unmet targets."""
    today = timezone.localdate()
    actions = []
    for record in records:
        if record.assessment is None:
            continue
        for _n in range(rng.randint(0, 3)):
            actions.append(
                ActionFactory(
                    assessment=record.assessment,
                    due_on=rng.choice([None, today - timedelta(days=10), today + timedelta(30)]),
                    status=rng.choice(Action.Status.values),
                    funding=rng.choice(FUNDINGS),
                    cost_investment=rng.choice([None, Decimal("1000.50"), Decimal("25000")]),
                    cost_operating=rng.choice([None, Decimal("300"), Decimal("1200.25")]),
                    abandon_reason="Remplacée",
                )
            )
        for key in PLANNABLE:
            # A plan is filed for a target the answers say is not met.
            unmet = record.kind in TARGET_KINDS[key] and record.flags.get(key) is False
            if unmet and rng.random() < 0.5:
                TargetPlanFactory(assessment=record.assessment, target=key)
    return actions


@pytest.fixture
def planned(world):
    campaign, records = build_campaign(world, extra=30)
    actions = _plans(records, random.Random(3))
    return campaign, records, actions


def _expected(records, actions):
    """What a person would count by hand for these records."""
    today = timezone.localdate()
    mine = {r.assessment.pk for r in records if r.assessment is not None}
    theirs = [a for a in actions if a.assessment_id in mine]
    want = expected(records)["targets"]
    unmet = sum(population - met for key, (met, population) in want.items() if key in PLANNABLE)
    agreed = sum(
        1
        for r in records
        if r.assessment is not None
        for plan in r.assessment.target_plans.all()
        if plan.status == "agreed" and r.flags.get(plan.target) is False
    )
    costs = {}
    for action in theirs:
        if action.status == Action.Status.ABANDONED:
            continue
        investment, operating = costs.get(action.funding, (Decimal(0), Decimal(0)))
        costs[action.funding] = (
            investment + (action.cost_investment or 0),
            operating + (action.cost_operating or 0),
        )
    overdue = sum(1 for a in theirs if a.due_on and a.due_on < today and a.status not in CLOSED)
    return {"unmet": unmet, "agreed": agreed, "overdue": overdue, "costs": costs}


def _check(figures, plan, want):
    assert (figures.unmet_targets, figures.agreed_plans) == (want["unmet"], want["agreed"])
    assert plan.overdue == want["overdue"]
    for source in FUNDINGS:
        cost = plan.cost_of(source)
        assert (cost.investment, cost.operating) == want["costs"].get(
            source, (Decimal(0), Decimal(0))
        ), source


def test_the_region_shows_its_totals_and_each_department(client, world, planned):
    _campaign, records, actions = planned
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    assert response.status_code == 200
    mine = [r for r in records if r.establishment.region_id == "84"]
    dashboard = response.context["dashboard"]
    want = _expected(mine, actions)
    _check(response.context["total"], dashboard.plan_total, want)
    assert want["overdue"] and want["agreed"] and want["costs"]  # the data exercise each figure
    list_name, _header, departments = dashboard.plan_rows
    assert list_name == "departments" and {f.key for f in departments} == {"01", "69"}
    for figures in departments:
        group = [r for r in mine if r.establishment.department_id == figures.key]
        _check(figures, figures.extra["plan"], _expected(group, actions))
    # What the page says, amounts as the portal writes them.
    text = response.content.decode()
    section = text[text.index('id="plans"') : text.index("</section>", text.index('id="plans"'))]
    assert f"{want['overdue']}</span> actions en retard" in section
    own = want["costs"].get("own", (Decimal(0), Decimal(0)))[0]
    assert f'<th scope="row">Budget propre</th><td>{format_amount(own)}</td>' in section
    # Another region's establishments are not counted: the ARS sees its region only.
    other = [r for r in records if r.establishment.region_id == "11"]
    assert _expected(other, actions)["overdue"] or _expected(other, actions)["costs"]
    assert client.get(reverse("dashboards:region", args=["11"])).status_code == 404
    assert client.get(reverse("dashboards:national")).status_code == 404


def test_the_national_dashboard_lists_each_region(client, world, planned):
    _campaign, records, actions = planned
    client.force_login(world.national)
    response = client.get(reverse("dashboards:national"))
    dashboard = response.context["dashboard"]
    list_name, _header, regions = dashboard.plan_rows
    assert list_name == "regions" and {"84", "11"} <= {f.key for f in regions}
    for figures in regions:  # every region, those without an establishment at zero
        group = [r for r in records if r.establishment.region_id == figures.key]
        _check(figures, figures.extra["plan"], _expected(group, actions))
    _check(response.context["total"], dashboard.plan_total, _expected(records, actions))


def test_the_per_region_export_carries_the_figures(client, world, planned):
    _campaign, records, actions = planned
    client.force_login(world.national)
    response = client.get(
        reverse("dashboards:national_export"), {"format": "csv", "list": "regions"}
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["Région"]: row for row in csv.DictReader(io.StringIO(content), delimiter=";")}
    for code, name in (("84", "Auvergne-Rhône-Alpes"), ("11", "Île-de-France")):
        want = _expected([r for r in records if r.establishment.region_id == code], actions)
        row = rows[name]
        assert int(row["Actions en retard"]) == want["overdue"]
        assert int(row["dont plan agréé par l'ARS"]) == want["agreed"]
        investment = want["costs"].get("fir", (Decimal(0), Decimal(0)))[0]
        cell = row["Investissement — FIR régional (€)"]
        assert Decimal(re.sub(r"\s", "", cell).replace(",", ".")) == investment


def _grow(world, campaign, n: int, rng: random.Random) -> None:
    """``n`` more establishments in both regions, each with an assessment, actions and plans."""
    for i in range(n):
        department = (world.hospital.department, world.other_hospital.department)[i % 2]
        assessment = AssessmentFactory(
            establishment=EstablishmentFactory(department=department), campaign=campaign
        )
        for source in FUNDINGS:
            ActionFactory(
                assessment=assessment,
                funding=source,
                due_on=timezone.localdate() - timedelta(days=rng.randint(-30, 30)),
                cost_investment=Decimal(rng.randint(0, 9000)),
            )
        TargetPlanFactory(assessment=assessment, target=rng.choice(PLANNABLE))


@pytest.mark.parametrize(
    ("role", "name", "args"), [("ars", "region", ["84"]), ("national", "national", [])]
)
def test_the_page_runs_as_many_queries_at_two_sizes(client, world, role, name, args):
    campaign, records = build_campaign(world, extra=4)
    _plans(records, random.Random(1))
    client.force_login(getattr(world, role))
    url = reverse(f"dashboards:{name}", args=args)
    counts = []
    for more in (0, 60):
        _grow(world, campaign, more, random.Random(more))
        client.get(url)  # sessions and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert response.context["dashboard"].plan_total.actions > 60 * len(FUNDINGS) // 2
    assert counts[0] == counts[1]
