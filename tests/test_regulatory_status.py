"""The regulatory status (NIS2, OSE) in the registry: the size rule, the ARS's form, the dashboards'
filters and exports, the API and the PDF cover."""

import csv
import io
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import Action, AuditEvent
from establishments.models import Establishment, Kind, Nis2Status, StatusOrigin
from establishments.regulatory import RegulatoryChange, derived_nis2_status, set_regulatory_status
from reports.pdf import render_report_pdf
from tests.dashboards_data import build_campaign
from tests.test_report import answered, pdf_text  # noqa: F401 - the fixture is used below

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "staff", "turnover", "balance", "expected"),
    [
        (Kind.ES, 250, None, None, Nis2Status.ESSENTIAL),
        (Kind.ES, 249, None, None, Nis2Status.IMPORTANT),
        (Kind.ES, 50, None, None, Nis2Status.IMPORTANT),
        (Kind.ES, 49, None, None, Nis2Status.TO_DETERMINE),
        (Kind.ES, 49, Decimal("50.01"), Decimal("43.01"), Nis2Status.ESSENTIAL),
        # Both money thresholds must be passed, strictly.
        (Kind.ES, 49, Decimal("50.01"), Decimal("43"), Nis2Status.TO_DETERMINE),
        (Kind.ES, 120, Decimal("50"), Decimal("80"), Nis2Status.IMPORTANT),
        (Kind.ES, None, None, None, Nis2Status.TO_DETERMINE),
        # No size rule is applied to a medico-social establishment.
        (Kind.ESSMS, 900, Decimal("90"), Decimal("90"), Nis2Status.TO_DETERMINE),
    ],
)
def test_the_size_rule_at_its_thresholds(kind, staff, turnover, balance, expected):
    assert (
        derived_nis2_status(
            kind=kind, staff_count=staff, turnover_meur=turnover, balance_sheet_meur=balance
        )
        == expected
    )


money = st.none() | st.decimals(min_value=0, max_value=10_000, places=2)


# No per-example deadline: a busy machine must not turn a slow example into a failure.
@settings(deadline=None)
@given(
    staff=st.none() | st.integers(min_value=0, max_value=100_000),
    turnover=money,
    balance=money,
)
def test_more_staff_never_lowers_the_status(staff, turnover, balance):
    rank = {Nis2Status.TO_DETERMINE: 0, Nis2Status.IMPORTANT: 1, Nis2Status.ESSENTIAL: 2}
    facts = {"kind": Kind.ES, "turnover_meur": turnover, "balance_sheet_meur": balance}
    before = derived_nis2_status(staff_count=staff, **facts)
    after = derived_nis2_status(staff_count=(staff or 0) + 100, **facts)
    assert rank[after] >= rank[before]
    assert derived_nis2_status(**{**facts, "kind": Kind.ESSMS}, staff_count=staff) == (
        Nis2Status.TO_DETERMINE
    )


def post_status(client, establishment, **fields):
    data = {"nis2_status": "derived", "reason": "", **fields}
    return client.post(reverse("establishments:regulatory", args=[establishment.finess]), data)


def test_the_ars_sets_a_status_with_a_reason_and_the_page_says_who_and_when(client, world):
    client.force_login(world.ars)
    response = post_status(
        client,
        world.nursing_home,
        nis2_status="important",
        is_ose="on",
        reason="Décision ANSSI du 3 mars 2026",
    )
    assert response.status_code == 302
    home = Establishment.objects.get(pk=world.nursing_home.pk)
    assert (home.nis2_status, home.nis2_origin, home.is_ose) == ("important", "ars", True)
    assert home.regulatory_set_by == world.ars
    event = AuditEvent.objects.get(action=Action.REGULATORY_STATUS)
    assert event.establishment_id == home.pk
    assert event.detail["reason"] == "Décision ANSSI du 3 mars 2026"
    page = client.get(reverse("establishments:detail", args=[home.finess])).content.decode()
    assert "Entité importante (NIS2)" in page
    assert "opérateur de services essentiels (OSE)" in page
    assert "Statut NIS2 fixé par l’ARS" in page
    assert "Décision ANSSI du 3 mars 2026" in page


def test_a_status_set_by_hand_without_a_reason_is_refused_and_nothing_is_written(client, world):
    client.force_login(world.ars)
    response = post_status(client, world.nursing_home, nis2_status="essential", staff_count="300")
    assert response.status_code == 400
    assert "Un motif est obligatoire pour fixer le statut NIS2" in response.content.decode()
    home = Establishment.objects.get(pk=world.nursing_home.pk)
    assert (home.nis2_status, home.staff_count, home.regulatory_set_at) == (
        "to_determine",
        None,
        None,
    )
    assert not AuditEvent.objects.filter(action=Action.REGULATORY_STATUS).exists()


def test_size_facts_derive_the_status_and_bad_sizes_get_a_french_message(client, world):
    client.force_login(world.ars)
    response = post_status(client, world.hospital, staff_count="-3")
    assert response.status_code == 400
    assert "supérieure ou égale à 0" in response.content.decode()
    assert post_status(client, world.hospital, staff_count="1200").status_code == 302
    hospital = Establishment.objects.get(pk=world.hospital.pk)
    assert (hospital.nis2_status, hospital.nis2_origin) == ("essential", StatusOrigin.DERIVED)
    # A status derived from the size is the portal's reading of the directive, and says so.
    page = client.get(reverse("establishments:detail", args=[hospital.finess])).content.decode()
    assert "lecture du portail des seuils de la directive" in page


def test_only_the_ars_of_the_region_or_the_national_level_sets_it(client, world):
    for user, status in [(world.rssi, 403), (world.director, 403), (world.other_ars, 404)]:
        client.force_login(user)
        assert post_status(client, world.hospital, staff_count="300").status_code == status
    assert Establishment.objects.get(pk=world.hospital.pk).regulatory_set_at is None
    client.force_login(world.ars)
    page = client.get(reverse("establishments:detail", args=[world.hospital.finess]))
    assert "Fixer le statut NIS2" in page.content.decode()
    client.force_login(world.rssi)
    page = client.get(reverse("establishments:detail", args=[world.hospital.finess]))
    assert "Fixer le statut NIS2" not in page.content.decode()


@pytest.fixture
def statuses(world):
    """A campaign, and a NIS2 status and OSE flag set on each establishment through the service."""
    _campaign, records = build_campaign(world, extra=40)
    rng = random.Random(22)
    chosen = {}
    for record in records:
        establishment = record.establishment
        status = rng.choice([None, *Nis2Status.values])
        ose = rng.random() < 0.3
        if status is None and not ose:
            continue
        set_regulatory_status(
            establishment=establishment,
            change=RegulatoryChange(None, None, None, status, ose, "Arrêté régional"),
            user=world.national,
        )
        chosen[establishment.finess] = (status or Nis2Status.TO_DETERMINE, ose)
    return records, chosen


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize(
    "params",
    [
        {"nis2": "essential"},
        {"nis2": "important"},
        {"nis2": "not_concerned"},
        {"nis2": "to_determine"},
        {"ose": "yes"},
        {"ose": "no"},
        {"nis2": "essential", "ose": "yes", "kind": "ES"},
    ],
)
def test_the_nis2_filters_count_what_an_independent_count_finds(client, world, statuses, params):
    records, chosen = statuses

    def keep(record) -> bool:
        status, ose = chosen.get(record.establishment.finess, (Nis2Status.TO_DETERMINE, False))
        return (
            params.get("nis2", status) == status
            and params.get("ose", "yes" if ose else "no") == ("yes" if ose else "no")
            and params.get("kind", record.kind) == record.kind
        )

    want = sorted(
        r.establishment.finess for r in records if r.establishment.region_id == "84" and keep(r)
    )
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]), params)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == len(want)
    export = client.get(
        reverse("dashboards:region_export", args=["84"]), {**params, "format": "csv"}
    )
    rows = read_csv(export)
    assert sorted(row["FINESS ET"] for row in rows) == want
    labels = dict(Nis2Status.choices)
    for row in rows:
        status, ose = chosen.get(row["FINESS ET"], (Nis2Status.TO_DETERMINE, False))
        assert row["Statut NIS2"] == labels[status]
        assert row["OSE"] == ("Oui" if ose else "Non")


def test_the_list_shows_the_status_column(client, world, statuses):
    _records, chosen = statuses
    client.force_login(world.national)
    page = client.get(reverse("dashboards:national"), {"ose": "yes"}).content.decode()
    assert "NIS2 / OSE" in page
    assert "· OSE" in page


def test_the_api_shape_gains_the_status(client, world):
    set_regulatory_status(
        establishment=world.hospital,
        change=RegulatoryChange(300, None, None, None, True, "Désignation OSE de 2019"),
        user=world.ars,
    )
    client.force_login(world.ars)
    body = client.get(f"/api/establishments/{world.hospital.finess}/").json()
    assert body["finess"] == world.hospital.finess  # the former fields stay
    assert (body["nis2_status"], body["nis2_origin"], body["is_ose"]) == (
        "essential",
        "derived",
        True,
    )
    listed = client.get("/api/establishments/", {"is_ose": "true"}).json()
    assert [row["finess"] for row in listed["results"]] == [world.hospital.finess]


def test_the_pdf_cover_states_the_regulatory_status(world, answered):  # noqa: F811
    set_regulatory_status(
        establishment=world.hospital,
        change=RegulatoryChange(None, None, None, "essential", True, "Arrêté du 1er mars"),
        user=world.ars,
    )
    answered.establishment.refresh_from_db()
    cover = pdf_text(render_report_pdf(answered), page=1)
    assert "Entité essentielle (NIS2) — opérateur de services essentiels (OSE)" in cover
