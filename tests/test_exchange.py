"""JSON export and import of one assessment's answers: round trip, bad files writing nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import workflow
from assessments.answers import save_answers
from assessments.answers_json import ImportRejected, export_answers, import_answers
from assessments.models import Answer
from audit.models import AuditEvent
from tests.answers import complete_answers, fill

pytestmark = pytest.mark.django_db


def answers_of(assessment) -> dict:
    return dict(
        Answer.objects.filter(assessment=assessment, value__isnull=False).values_list(
            "requirement__code", "value"
        )
    )


def post_import(client, assessment, content, version=None):
    assessment.refresh_from_db()
    upload = SimpleUploadedFile("reponses.json", content, content_type="application/json")
    return client.post(
        f"/assessments/{assessment.pk}/import/",
        {"file": upload, "version": assessment.version if version is None else version},
    )


def test_export_has_the_documented_shape(client, world, campaign):
    fill(campaign.hospital, world.rssi)
    client.force_login(world.director)
    response = client.get(f"/assessments/{campaign.hospital.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="care-{world.hospital.finess}-2025.json"'
    )
    data = json.loads(response.content)
    referential = campaign.campaign.referential
    assert data["format"] == "care-portal/answers"
    assert data["format_version"] == 1
    assert data["referential"] == {"code": referential.code, "version": referential.version}
    assert data["campaign"] == 2025
    assert data["establishment"]["finess"] == world.hospital.finess
    assert data["assessment_version"] == 1
    assert data["answers"] == complete_answers()
    # In referential order.
    assert list(data["answers"])[:2] == ["GOV-RSSI", "GOV-COMITE"]
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [("rssi", 200), ("director", 200), ("ars", 200), ("other_ars", 404), ("other_rssi", 404)],
)
def test_export_is_scoped(client, world, campaign, role, expected):
    client.force_login(getattr(world, role))
    assert client.get(f"/assessments/{campaign.hospital.pk}/export.json").status_code == expected


def test_round_trip(client, world, campaign):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    exported = json.dumps(export_answers(assessment)).encode()
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no", "BUDGET": None},
        expected_version=1,
        user=world.rssi,
    )
    assert answers_of(assessment) != complete_answers()
    client.force_login(world.rssi)
    response = post_import(client, assessment, exported)
    assert response.status_code == 302
    assert answers_of(assessment) == complete_answers()
    assessment.refresh_from_db()
    assert assessment.version == 3
    assert AuditEvent.objects.filter(action="answers_import").count() == 1
    # Through save_answers: each change is in the history, by the importer.
    assert (
        Answer.history.filter(
            assessment_id=assessment.pk, requirement__code="GOV-COMITE", history_user=world.rssi
        ).count()
        == 3
    )


def exported_file(assessment, **changes) -> dict:
    data = export_answers(assessment)
    for key, value in changes.items():
        data[key] = value
    return data


def as_text(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


BAD = [
    ("not json", lambda a: b'{"format": "care-portal/answers",\n  "answers": {\n}}}', "ligne 3"),
    ("not utf-8", lambda a: "é".encode("latin-1"), "n'est pas du texte UTF-8"),
    ("a list", lambda a: b"[1, 2]", "un objet JSON"),
    (
        "another tool's file",
        lambda a: as_text(exported_file(a, format="autre")),
        "n'est pas un export de réponses du portail CaRE",
    ),
    (
        "another referential version",
        lambda a: as_text(exported_file(a, referential={"code": "TEST", "version": 999})),
        "produit avec le référentiel TEST:999",
    ),
    (
        "another establishment",
        lambda a: as_text(exported_file(a, establishment={"finess": "010000024"})),
        "concerne l'établissement FINESS 010000024",
    ),
    (
        "an unknown code",
        lambda a: as_text(exported_file(a, answers={"GOV-COMITE": "no", "NOPE-1": True})),
        "ligne 17, « NOPE-1 » : Exigence inconnue",
    ),
    (
        "a wrong type",
        lambda a: as_text(exported_file(a, answers={"GOV-COMITE": "no", "BUDGET": "beaucoup"})),
        "« BUDGET »",
    ),
    (
        "an e-mail that is not one",
        lambda a: as_text(
            exported_file(a, answers={"GOV-RSSI": {"name": "X", "email": "pas-un-email"}})
        ),
        "« GOV-RSSI »",
    ),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD, ids=[case for case, *_ in BAD])
def test_bad_imports_write_nothing(client, world, campaign, case, content, message):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    before = answers_of(assessment)
    client.force_login(world.rssi)
    response = post_import(client, assessment, content(assessment))
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert "Import refusé" in page
    assert message in page
    assessment.refresh_from_db()
    assert assessment.version == 1
    assert answers_of(assessment) == before
    assert not AuditEvent.objects.filter(action="answers_import").exists()


def test_stale_version_writes_nothing(world, campaign):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    data = exported_file(assessment, answers={"GOV-COMITE": "no"})
    with pytest.raises(ImportRejected, match="pendant l'import"):
        import_answers(
            assessment=assessment, raw=as_text(data), user=world.rssi, expected_version=0
        )
    assert answers_of(assessment)["GOV-COMITE"] == "yes"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("rssi", 302), ("director", 403), ("ars", 403), ("other_ars", 404), ("other_rssi", 404)],
)
def test_import_is_for_the_rssi_only(client, world, campaign, role, expected):
    assessment = campaign.hospital
    data = as_text(exported_file(assessment, answers={"GOV-COMITE": "partial"}))
    client.force_login(getattr(world, role))
    assert post_import(client, assessment, data).status_code == expected


def test_no_import_once_submitted(client, world, campaign):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    workflow.submit(assessment=assessment, user=world.rssi)
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{assessment.pk}/import/").content.decode()
    assert "ses réponses ne sont plus modifiables" in page
    data = as_text(exported_file(assessment, answers={"GOV-COMITE": "no"}))
    assert post_import(client, assessment, data).status_code == 403
    assert answers_of(assessment)["GOV-COMITE"] == "yes"
