"""A catalogue of bad inputs not covered feature by feature elsewhere.

- Markup typed into every free-text field (or arriving through an import) is shown as text, in
  the pages and in the PDF report.
- Absurd numbers and dates sent to the API are refused with one clear message each, nothing
  written.
- Junk in the query string of every list page gives a page (or a clear 400), never an error, and
  is never echoed as markup.

Feature tests already cover: malformed FINESS/GHT files and referential YAML (line-numbered
errors, nothing written), oversized and disguised uploads, JSON imports of the wrong shape or
types, stale versions (API 409, form, import), bad audit filters.
"""

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.answers import save_answers
from assessments.evidence import add_link, add_note
from assessments.exercises import record_exercise
from assessments.models import Answer, Assessment, CrisisExercise
from assessments.workflow import send_back, submit
from followup.services import create_relaunch
from reports.pdf import render_report_pdf
from tests.answers import complete_answers, given_by_ght_lead
from tests.campaigns import build_campaign
from tests.factories import RequirementFactory

SCRIPT = '<script>alert("x")</script>'
BOLD = "<b>gras</b>"
MARKUP = f"{SCRIPT}{BOLD}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def marked(world, settings, tmp_path):
    """Markup in every free text a person or an import can put in the portal."""
    settings.MEDIA_ROOT = tmp_path
    campaign = build_campaign(world)
    world.hospital.name = f"CH {MARKUP}"  # as if read from a FINESS extract
    world.hospital.save()
    world.ght.name = f"GHT {MARKUP}"
    world.ght.save()
    world.rssi.first_name = MARKUP
    world.rssi.save()
    assessment = campaign.hospital
    answers = complete_answers("ES") | {
        "GOV-RSSI": {"name": f"Claire {MARKUP}", "email": "claire@ch.fr"}
    }
    answers = given_by_ght_lead(assessment, answers)
    save_answers(assessment=assessment, answers=answers, expected_version=0, user=world.rssi)
    Answer.objects.filter(assessment=assessment).update(comment=MARKUP)
    requirement = campaign.requirements["GOV-COMITE"]
    add_note(assessment=assessment, requirement=requirement, note=f"Note {MARKUP}", user=world.rssi)
    add_link(
        assessment=assessment,
        requirement=requirement,
        url="https://intranet.example.fr/pv?x=%3Cscript%3E",
        note=f"Lien {MARKUP}",
        user=world.rssi,
    )
    assessment.refresh_from_db()
    record_exercise(
        assessment=assessment,
        user=world.rssi,
        held_on=timezone.localdate() - timedelta(days=10),
        kind=CrisisExercise.Kind.TABLETOP,
        scenario=f"Scénario {MARKUP}",
        actions=f"Actions {MARKUP}",
    )
    assessment.refresh_from_db()
    submit(assessment=assessment, user=world.rssi)
    send_back(assessment=assessment, user=world.director, comment=f"À revoir {MARKUP}")
    relaunch = create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital],
        subject=f"Relance {MARKUP}",
        message=f"Merci {MARKUP}",
    )
    assessment.refresh_from_db()
    return {"campaign": campaign, "assessment": assessment, "relaunch": relaunch}


def _pages(world, marked) -> list[tuple[str, object, str]]:
    """(who, url) of every page where one of the marked texts shows."""
    assessment = marked["assessment"]
    pk = assessment.pk
    return [
        ("rssi", reverse("home")),
        ("rssi", reverse("establishments:list")),
        ("rssi", reverse("establishments:detail", args=[world.hospital.finess])),
        ("rssi", reverse("assessments:mine")),
        ("rssi", reverse("assessments:form", args=[pk])),
        ("rssi", reverse("assessments:status", args=[pk])),
        ("rssi", reverse("assessments:history", args=[pk])),
        ("rssi", reverse("assessments:evidence", args=[pk])),
        ("rssi", reverse("assessments:requirement_evidence", args=[pk, "GOV-COMITE"])),
        ("rssi", reverse("assessments:exercises", args=[pk])),
        ("ars", reverse("dashboards:region", args=[world.region.code])),
        ("ars", reverse("dashboards:ght", args=[world.ght.code])),
        ("ars", reverse("followup:relaunch_detail", args=[marked["relaunch"].pk])),
        ("ars", reverse("followup:relaunch_list", args=[world.region.code])),
        ("national", reverse("dashboards:national")),
        ("national", reverse("audit:list")),
    ]


@pytest.mark.django_db
def test_markup_in_free_text_is_shown_as_text_in_every_page(client, world, marked):
    failures = []
    escaped_somewhere = set()
    for who, url in _pages(world, marked):
        client.force_login(getattr(world, who))
        response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{url}: HTTP {response.status_code}")
            continue
        body = response.content.decode()
        for raw in (SCRIPT, BOLD):
            if raw in body:
                failures.append(f"{url}: {raw} as markup")
        if ESCAPED_SCRIPT in body:
            escaped_somewhere.add(url)
    assert not failures, "\n".join(failures)
    # The texts are shown (escaped), not silently dropped.
    assert len(escaped_somewhere) >= 12, escaped_somewhere


@pytest.mark.django_db
def test_markup_in_the_api_stays_data(client, world, marked):
    client.force_login(world.rssi)
    response = client.get(f"/api/assessments/{marked['assessment'].pk}/")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["answers"]["GOV-RSSI"]["name"] == f"Claire {MARKUP}"


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_markup_in_the_pdf_report_is_printed_as_text(world, marked):
    pdf = render_report_pdf(Assessment.objects.get(pk=marked["assessment"].pk))
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # Lines may wrap anywhere: compare without white space.
    flat = "".join(text.split())
    # Printed literally: had it been taken as HTML, the script would vanish and <b> turn bold.
    assert f"CH{MARKUP}" in flat
    assert f"Claire{MARKUP}" in flat
    assert flat.count(MARKUP) >= 3  # and the people's names, the evidence notes…


# --- Absurd numbers and dates, through the API --------------------------------------------------


@pytest.fixture
def typed(world):
    campaign = build_campaign(world)
    objective = campaign.requirements["GOV-COMITE"].objective
    RequirementFactory(
        objective=objective,
        code="MFA-RATE",
        rule={"type": "percent_at_least", "met": 90, "partial": 50},
        order=50,
    )
    RequirementFactory(
        objective=objective,
        code="MATURITY",
        rule={
            "type": "level",
            "choices": {"1": 0, "2": 0.5, "3": 1},
            "labels": {"1": "Initial", "2": "Géré", "3": "Optimisé"},
        },
        order=51,
    )
    from assessments.scoring.compiled import forget_referential

    forget_referential()
    return campaign


ABSURD = [
    ("percent above 100", "MFA-RATE", 101),
    ("negative percent", "MFA-RATE", -0.5),
    ("huge percent", "MFA-RATE", 1e308),
    ("percent as text", "MFA-RATE", "90 %"),
    ("percent as a boolean", "MFA-RATE", True),
    ("zero denominator", "BUDGET", {"numerator": 10, "denominator": 0}),
    ("numerator above denominator", "BUDGET", {"numerator": 10**40, "denominator": 1}),
    ("ratio with text", "BUDGET", {"numerator": "dix", "denominator": 100}),
    ("ratio with an extra key", "BUDGET", {"numerator": 1, "denominator": 100, "x": 1}),
    ("impossible date", "EXERCICE", "2025-02-30"),
    ("year one", "EXERCICE", "0001-01-01"),
    ("far future", "EXERCICE", "9999-12-31"),
    ("date and time", "EXERCICE", "2025-01-01T10:00:00"),
    ("unknown level", "MATURITY", "4"),
    ("tristate in capitals", "GOV-COMITE", "YES"),
    ("tristate as a list", "GOV-COMITE", ["yes"]),
    ("person without name", "GOV-RSSI", {"name": "   ", "email": "a@b.fr"}),
    ("person with a 10 000 character name", "GOV-RSSI", {"name": "x" * 10000, "email": "a@b.fr"}),
    ("not applicable where not allowed", "GOV-COMITE", "not_applicable"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "code", "value"), ABSURD, ids=[c for c, *_ in ABSURD])
def test_absurd_answers_are_refused_one_message_each(client, world, typed, case, code, value):
    client.force_login(world.rssi)
    assessment = typed.hospital
    response = client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        json.dumps({"version": 0, "answers": {"GOV-COMITE": "yes", code: value}}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    errors = response.json()["answers"]
    assert list(errors) == [code]
    message = errors[code]
    assert isinstance(message, str) and 10 < len(message) < 400
    assert "Traceback" not in message
    assert not Answer.objects.filter(assessment=assessment).exists()
    assert Assessment.objects.get(pk=assessment.pk).version == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b'{"version": 0, "answers": {"MFA-RATE": NaN}}',
        b'{"version": 0, "answers": {"MFA-RATE": Infinity}}',
        b'{"version": 0, "answers": {"MFA-RATE": 1e999}}',
        b'{"version": 1e400, "answers": {}}',
        b'{"version": 0, "answers": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"\xff\xfe not utf-8",
    ],
    ids=["NaN", "Infinity", "overflowing float", "overflowing version", "deep nesting", "binary"],
)
def test_json_the_api_cannot_read_is_a_400(client, world, typed, raw):
    client.force_login(world.rssi)
    assessment = typed.hospital
    response = client.patch(
        f"/api/assessments/{assessment.pk}/answers/", raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert not Answer.objects.filter(assessment=assessment).exists()
    assert Assessment.objects.get(pk=assessment.pk).version == 0


# --- Junk in query strings --------------------------------------------------------------------

JUNK = {
    "page": "-1",
    "region": SCRIPT,
    "kind": '"><svg onload=alert(1)>',
    "ght": "%00",
    "status": BOLD,
    "year": "99999999999999999999999",
    "sort": "../../etc/passwd",
    "order": "-name; DROP TABLE x",
    "q": "x" * 5000,
    "action": "<i>",
    "start": "2025-13-45",
    "requirement": SCRIPT,
    "format": "<b>",
    "list": "<b>",
}


@pytest.mark.django_db
def test_junk_query_strings_never_break_a_page(client, world):
    campaign = build_campaign(world)
    pages = [
        ("rssi", reverse("establishments:list")),
        ("rssi", reverse("assessments:mine")),
        ("rssi", reverse("assessments:form", args=[campaign.hospital.pk])),
        ("rssi", reverse("assessments:history", args=[campaign.hospital.pk])),
        ("rssi", reverse("assessments:evidence", args=[campaign.hospital.pk])),
        ("rssi", reverse("referential:index")),
        ("ars", reverse("dashboards:region", args=["84"])),
        ("ars", reverse("dashboards:region_export", args=["84"])),
        ("ars", reverse("dashboards:ght", args=[world.ght.code])),
        ("ars", reverse("followup:relaunch_list", args=["84"])),
        ("national", reverse("dashboards:national")),
        ("national", reverse("audit:list")),
        ("national", "/api/establishments/"),
        ("national", "/api/assessments/"),
    ]
    failures = []
    for who, url in pages:
        client.force_login(getattr(world, who))
        response = client.get(url, JUNK)
        if response.status_code not in (200, 400, 404):
            failures.append(f"{url}: HTTP {response.status_code}")
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue  # JSON or plain text, never rendered as a page (nosniff)
        body = response.content.decode(errors="replace")
        for raw in (SCRIPT, "<svg onload", BOLD, "<i>"):
            if raw in body:
                failures.append(f"{url}: echoes {raw}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_deeply_nested_import_file_is_refused_with_a_message(client, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    campaign = build_campaign(world)
    client.force_login(world.rssi)
    raw = b'{"answers": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post(
        reverse("assessments:import", args=[campaign.hospital.pk]),
        {"version": 0, "file": SimpleUploadedFile("reponses.json", raw, "application/json")},
    )
    assert response.status_code == 400
    assert "trop imbriqué" in response.content.decode().replace("&#x27;", "'")
    assert not Answer.objects.filter(assessment=campaign.hospital).exists()
