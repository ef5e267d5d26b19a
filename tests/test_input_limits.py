"""Inputs that cost the server in proportion to their size, or worse, are refused early.

- The JSON import checks the file's size before reading it, refuses more answers than the
  referential has requirements, and lists a bounded number of problems (the others counted).
- Nesting in any JSON read from a person (API bodies, import files, the form's baseline) is
  bounded before parsing: a French message, never a RecursionError.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.answers_json import (
    MAX_IMPORT_BYTES,
    MAX_LISTED_ERRORS,
    ImportRejected,
    export_answers,
    import_answers,
)
from assessments.models import Answer, Assessment
from referential.numbers import MAX_JSON_DEPTH, JSONRefused, load_json, too_deep

pytestmark = pytest.mark.django_db


def _file(assessment, answers) -> bytes:
    data = export_answers(assessment)
    data["answers"] = answers
    return json.dumps(data, indent=2).encode()


def _version(assessment) -> int:
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


# --- import: counts and sizes -----------------------------------------------------------------


def test_more_keys_than_the_referential_has_are_refused_at_once(
    world, campaign, django_assert_max_num_queries
):
    assessment = campaign.hospital
    data = export_answers(assessment)
    data["answers"] = {f"X{n}": 1 for n in range(100_000)}
    raw = json.dumps(data).encode()
    assert len(raw) < MAX_IMPORT_BYTES
    with django_assert_max_num_queries(6), pytest.raises(ImportRejected) as rejected:
        import_answers(assessment=assessment, raw=raw, user=world.rssi, expected_version=0)
    [message] = rejected.value.messages
    assert message.startswith("Le fichier contient 100\u202f000 réponses, plus que les 7 exigences")
    assert "Rien n'a été importé" in message
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_the_problems_listed_are_capped(world, campaign, monkeypatch):
    """Each answer's line is found in one pass; beyond the first ones, the rest is counted."""
    assessment = campaign.hospital
    monkeypatch.setattr("assessments.answers_json.MAX_LISTED_ERRORS", 3)
    answers = {
        "GOV-RSSI": "x",
        "GOV-COMITE": "x",
        "EXERCICE": "x",
        "BUDGET": "x",
        "D3-BASTION": "x",
        "OG-EXERCICE": True,
    }
    with pytest.raises(ImportRejected) as rejected:
        import_answers(
            assessment=assessment,
            raw=_file(assessment, answers),
            user=world.rssi,
            expected_version=0,
        )
    messages = rejected.value.messages
    assert messages[0] == "Rien n'a été importé, 6 réponse(s) à corriger :"
    assert len(messages) == 1 + 3 + 1
    assert messages[1].startswith("ligne ") and "« GOV-RSSI » : " in messages[1]
    assert messages[-1] == "… et 3 autres."
    assert MAX_LISTED_ERRORS == 50  # the real cap, as the page shows it


def test_an_oversized_upload_is_refused_before_it_is_read(client, world, campaign):
    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("read before its size was checked")

    upload = Unreadable("r.json", b"{}", "application/json")
    upload.size = MAX_IMPORT_BYTES + 1
    with pytest.raises(ImportRejected, match="dépasse 2 Mo"):
        import_answers(
            assessment=campaign.hospital, raw=upload, user=world.rssi, expected_version=0
        )


def test_an_upload_larger_than_it_claims_is_read_no_further_than_the_limit(world, campaign):
    upload = SimpleUploadedFile("r.json", b" " * (MAX_IMPORT_BYTES + 10), "application/json")
    upload.size = 10  # a size that lies
    with pytest.raises(ImportRejected, match="dépasse 2 Mo"):
        import_answers(
            assessment=campaign.hospital, raw=upload, user=world.rssi, expected_version=0
        )


def test_the_import_page_refuses_a_large_file_with_a_message(client, world, campaign):
    client.force_login(world.rssi)
    raw = b'{"answers": {}, "x": "' + b"a" * MAX_IMPORT_BYTES + b'"}'
    response = client.post(
        reverse("assessments:import", args=[campaign.hospital.pk]),
        {"version": 0, "file": SimpleUploadedFile("r.json", raw, "application/json")},
    )
    assert response.status_code == 400
    assert "dépasse 2 Mo" in response.content.decode()


def test_request_body_limits_are_set(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440


# --- nesting ----------------------------------------------------------------------------------

SHAPES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.text(alphabet='ab"\\[]{}', max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=40,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(value=SHAPES, extra=st.integers(0, 60), brackets=st.sampled_from(["[]", "{}"]))
def test_depth_is_told_without_parsing(value, extra, brackets):
    """Brackets inside strings do not count; nesting past the limit is told exactly."""
    opening, closing = brackets
    if closing == "}":
        text = ('{"k": ' * extra) + json.dumps(value) + ("}" * extra)
    else:
        text = ("[" * extra) + json.dumps(value) + ("]" * extra)
    depth = extra + _depth(value)
    assert too_deep(text) == (depth > MAX_JSON_DEPTH)
    if depth > MAX_JSON_DEPTH:
        with pytest.raises(JSONRefused):
            load_json(text)
    else:
        assert load_json(text) is not None or value is None


DEEP = [b"[" * 100_000 + b"]" * 100_000, b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000]


@pytest.mark.parametrize("deep", DEEP, ids=["balanced", "unclosed", "objects"])
def test_deep_nesting_in_the_forms_baseline_is_a_message(client, world, campaign, deep):
    """The baseline used to raise RecursionError: now it is unreadable, so a conflict is shown."""
    client.force_login(world.rssi)
    assessment = campaign.hospital
    # Someone saved in between, so the baseline is read.
    Assessment.objects.filter(pk=assessment.pk).update(version=1)
    response = client.post(
        reverse("assessments:form", args=[assessment.pk]) + "?step=1",
        {"version": 0, "baseline": deep.decode(), "GOV-COMITE": "yes", "save": "x"},
    )
    assert response.status_code == 409
    assert not Answer.objects.filter(assessment=assessment).exists()


@pytest.mark.parametrize("deep", DEEP, ids=["balanced", "unclosed", "objects"])
def test_deep_nesting_in_api_bodies_and_imports_is_a_message(client, world, campaign, deep):
    client.force_login(world.rssi)
    assessment = campaign.hospital
    body = b'{"version": 0, "answers": {"GOV-COMITE": ' + deep + b"}}"
    response = client.patch(
        f"/api/assessments/{assessment.pk}/answers/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "imbriqué" in response.json()["detail"] or "JSON invalide" in response.json()["detail"]
    with pytest.raises(ImportRejected, match="imbriqué|JSON valide"):
        import_answers(
            assessment=assessment,
            raw=b'{"answers": ' + deep + b"}",
            user=world.rssi,
            expected_version=0,
        )
    assert _version(assessment) == 0


HYPOTHESIS_DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYPOTHESIS_DB
@given(depth=st.integers(MAX_JSON_DEPTH - 3, 3000))
def test_any_nesting_the_api_reads_answers_400_or_reads_it(client, world, campaign, depth):
    client.force_login(world.rssi)
    nested = "[" * depth + "]" * depth
    body = f'{{"version": 0, "answers": {{"GOV-COMITE": {nested}}}}}'
    response = client.patch(
        f"/api/assessments/{campaign.hospital.pk}/answers/", body, content_type="application/json"
    )
    assert response.status_code == 400
    payload = response.json()
    if depth + 2 > MAX_JSON_DEPTH:
        assert "trop imbriqué" in payload["detail"]
    else:
        assert "GOV-COMITE" in payload["answers"]
