"""Every way a number comes in (form, API, JSON import) is read by one rule, in bounded time.

A number is plain digits with an optional sign and at most four decimals, in 24 characters at
most: scientific notation, NaN, infinities and over-long input are refused with a French
message next to the answer, and nothing is written. Hypothesis generates the shapes; an
independent reading (``expected``) says what each should give.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessments.answers_json import export_answers
from assessments.models import Answer, Assessment
from tests.campaigns import build_campaign
from tests.factories import AssessmentFactory, CampaignFactory, RequirementFactory
from tests.test_assessment_form import build_referential

pytestmark = pytest.mark.django_db

CASES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def expected(plain: str) -> Decimal | None:
    """What a number written in plain form (spaces and unit removed, "." before decimals) is,
    or None when it must be refused."""
    match = re.fullmatch(r"[+-]?([0-9]*)(?:\.([0-9]*))?", plain)
    if len(plain) > 24 or not match or not (match.group(1) or match.group(2)):
        return None
    if len(match.group(2) or "") > 4:
        return None
    return Decimal(plain)


def as_stored(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


DIGITS = st.text("0123456789", min_size=1, max_size=30)


@st.composite
def typed_numbers(draw) -> str:
    """Numbers as people type them in French, and the shapes that must be refused."""
    special = draw(
        st.sampled_from(["", "", "", "NaN", "nan", "inf", "-Infinity", "1e1000000", "٣", "1_000"])
    )
    if special:
        return special
    whole = draw(DIGITS)
    if draw(st.booleans()):
        whole = _group(whole, draw(st.sampled_from([" ", "\u00a0", "\u202f"])))
    text = draw(st.sampled_from(["", "-", "+"])) + whole
    if draw(st.booleans()):
        text += draw(st.sampled_from([",", "."])) + draw(st.text("0123456789", max_size=8))
    if draw(st.integers(0, 3)) == 0:
        text += draw(st.sampled_from(["e", "E", "e+", "e-"])) + draw(
            st.text("0123456789", min_size=1, max_size=7)
        )
    return text + draw(st.sampled_from(["", "", " %", "€", " €"]))


def plain(typed: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]", "", typed).rstrip("€%").replace(",", ".")


@st.composite
def json_numbers(draw) -> str:
    """Number literals as a JSON document may hold them, valid JSON or the decoder's extras."""
    special = draw(st.sampled_from(["", "", "", "NaN", "Infinity", "-Infinity", "1e400"]))
    if special:
        return special
    whole = draw(st.sampled_from(["0", "1", "42", "100"])) if draw(st.booleans()) else None
    if whole is None:
        whole = draw(st.sampled_from("123456789")) + draw(st.text("0123456789", max_size=40))
    text = draw(st.sampled_from(["", "-"])) + whole
    if draw(st.booleans()):
        text += "." + draw(st.text("0123456789", min_size=1, max_size=8))
    if draw(st.integers(0, 3)) == 0:
        text += draw(st.sampled_from(["e", "E", "e+", "e-"])) + draw(
            st.text("0123456789", min_size=1, max_size=6)
        )
    return text


def json_expected(literal: str) -> Decimal | None:
    return None if literal in ("NaN", "Infinity", "-Infinity") else expected(literal)


# --- the form ---------------------------------------------------------------------------------


@pytest.fixture
def form_assessment(world):
    campaign = CampaignFactory(year=2025, referential=build_referential())
    return AssessmentFactory(establishment=world.hospital, campaign=campaign)


def stored(assessment, code):
    answer = Answer.objects.filter(assessment=assessment, requirement__code=code).first()
    return answer.value if answer else None


def _post_form(client, assessment, step, data):
    assessment.refresh_from_db()
    Answer.objects.filter(assessment=assessment).delete()
    return client.post(
        reverse("assessments:form", args=[assessment.pk]) + f"?step={step}",
        {"version": assessment.version, **data, "save": "x"},
    )


def _errors(response) -> str:
    return " ".join(re.findall(r'fr-message--error">([^<]*)', response.content.decode()))


@CASES
@given(typed=typed_numbers())
@example(typed="1e1000000")
@example(typed="92,5")
@example(typed="1\u202f000,25 %")
def test_percentages_typed_in_the_form(client, world, form_assessment, typed):
    client.force_login(world.rssi)
    response = _post_form(client, form_assessment, "3", {"EDR": typed})
    number = expected(plain(typed))
    if number is not None and 0 <= number <= 100:
        assert response.status_code == 302, _errors(response)
        value = stored(form_assessment, "EDR")
        assert value == as_stored(number) and type(value) is type(as_stored(number))
        return
    assert response.status_code in (200, 400)
    errors = _errors(response).replace("&#x27;", "'")
    if number is None:
        assert "n'est pas un pourcentage" in errors
        if "e" in plain(typed).lower() and plain(typed).lower() not in ("inf", "-infinity"):
            assert "notation scientifique" in errors or "caractères au plus" in errors
    else:
        assert "entre 0 et 100" in errors
    assert len(errors) < 400  # long input is never echoed whole
    assert stored(form_assessment, "EDR") is None


@CASES
@given(typed=typed_numbers())
@example(typed="1e1000000")
@example(typed="9" * 5000)
def test_budget_amounts_typed_in_the_form(client, world, form_assessment, typed):
    client.force_login(world.rssi)
    response = _post_form(
        client,
        form_assessment,
        "2",
        {"BUDGET__numerator": typed, "BUDGET__denominator": "100 000 000 000"},
    )
    number = expected(plain(typed))
    if number is not None and 0 <= number <= 100_000_000_000:
        assert response.status_code == 302, _errors(response)
        assert stored(form_assessment, "BUDGET")["numerator"] == as_stored(number)
        return
    errors = _errors(response).replace("&#x27;", "'")
    assert ("n'est pas un montant" if number is None else "montant") in errors
    assert len(errors) < 400
    assert stored(form_assessment, "BUDGET") is None


# --- the API and the JSON import ----------------------------------------------------------------


@pytest.fixture
def percent_campaign(world):
    campaign = build_campaign(world)
    RequirementFactory(
        objective=campaign.requirements["GOV-COMITE"].objective,
        code="MFA-RATE",
        rule={"type": "percent_at_least", "met": 90, "partial": 50},
        order=50,
    )
    return campaign


def _patch(client, assessment, answers_json: str):
    assessment.refresh_from_db()
    Answer.objects.filter(assessment=assessment).delete()
    body = f'{{"version": {assessment.version}, "answers": {answers_json}}}'
    return client.patch(
        f"/api/assessments/{assessment.pk}/answers/", body, content_type="application/json"
    )


@CASES
@given(literal=json_numbers())
@example(literal="1e1000000")
@example(literal="9" * 5000)
@example(literal="12.5")
def test_percentages_sent_to_the_api(client, world, percent_campaign, literal):
    client.force_login(world.rssi)
    assessment = percent_campaign.hospital
    response = _patch(client, assessment, f'{{"MFA-RATE": {literal}}}')
    number = json_expected(literal)
    if number is not None and 0 <= number <= 100:
        assert response.status_code == 200, response.content
        assert response.json()["answers"]["MFA-RATE"] == as_stored(number)
        return
    assert response.status_code == 400
    message = response.json()["answers"]["MFA-RATE"]
    assert "pourcentage" in message and len(message) < 400
    if number is None:
        assert re.search(
            r"notation scientifique|infini|caractères au plus|après la virgule", message
        )
    assert not Answer.objects.filter(assessment=assessment).exists()


@CASES
@given(literal=json_numbers())
@example(literal="1e1000000")
@example(literal="1" + "0" * 40)
def test_budget_amounts_sent_to_the_api(client, world, percent_campaign, literal):
    client.force_login(world.rssi)
    assessment = percent_campaign.hospital
    response = _patch(
        client, assessment, f'{{"BUDGET": {{"numerator": {literal}, "denominator": 1000000}}}}'
    )
    number = json_expected(literal)
    if number is not None and 0 <= number <= 1_000_000:
        assert response.status_code == 200, response.content
        assert response.json()["answers"]["BUDGET"]["numerator"] == as_stored(number)
        return
    assert response.status_code == 400
    message = response.json()["answers"]["BUDGET"]
    assert "numérateur" in message and len(message) < 400
    assert not Answer.objects.filter(assessment=assessment).exists()


def _import(client, assessment, literal: str):
    assessment.refresh_from_db()
    Answer.objects.filter(assessment=assessment).delete()
    header = export_answers(assessment)
    header["answers"] = {"MFA-RATE": "@"}
    raw = json.dumps(header, indent=2).replace('"@"', literal).encode()
    return client.post(
        reverse("assessments:import", args=[assessment.pk]),
        {
            "version": assessment.version,
            "file": SimpleUploadedFile("reponses.json", raw, "application/json"),
        },
    )


@CASES
@given(literal=json_numbers())
@example(literal="1e1000000")
@example(literal="9" * 5000)
@example(literal="NaN")
def test_percentages_in_an_import_file(client, world, percent_campaign, literal):
    client.force_login(world.rssi)
    assessment = percent_campaign.hospital
    response = _import(client, assessment, literal)
    version = assessment.version
    number = json_expected(literal)
    if number is not None and 0 <= number <= 100:
        assert response.status_code == 302
        assert stored(assessment, "MFA-RATE") == as_stored(number)
        return
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "Rien n'a été importé" in page
    assert "« MFA-RATE » : " in page
    assert re.search(r"ligne \d+, « MFA-RATE »", page)
    assert stored(assessment, "MFA-RATE") is None
    assert Assessment.objects.get(pk=assessment.pk).version == version


def test_a_refused_number_is_explained_in_french(client, world, percent_campaign):
    """The review's example, through the API: one message, about the notation."""
    client.force_login(world.rssi)
    response = _patch(client, percent_campaign.hospital, '{"MFA-RATE": 1e1000000}')
    assert response.status_code == 400
    assert response.json()["answers"]["MFA-RATE"] == (
        "Réponse invalide : un pourcentage (nombre de 0 à 100) attendu (reçu : 1e1000000) : "
        "la notation scientifique (avec « e ») n'est pas acceptée, écrivez le nombre en chiffres."
    )
