"""The assessments API: documented shapes, scope per role, version conflicts, bad answers."""

import pytest

from assessments.answers import save_answers
from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring.service import recompute_snapshots

pytestmark = pytest.mark.django_db

RSSI = {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"}

# Who sees which assessment of the `campaign` fixture.
VISIBLE = {
    "rssi": {"hospital"},
    "director": {"hospital"},
    "ght_lead": {"hospital", "clinic"},
    "ars": {"hospital", "clinic", "nursing_home"},
    "other_ars": {"other_hospital"},
    "other_rssi": {"other_hospital"},
    "national": {"hospital", "clinic", "nursing_home", "other_hospital"},
}
ALL = ("hospital", "clinic", "nursing_home", "other_hospital")


def patch(client, assessment, body):
    return client.patch(
        f"/api/assessments/{assessment.pk}/answers/", body, content_type="application/json"
    )


def test_detail_has_the_documented_shape(client, world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": RSSI, "GOV-COMITE": "partial", "D3-BASTION": "not_applicable"},
        expected_version=0,
        user=world.rssi,
    )
    client.force_login(world.rssi)
    body = client.get(f"/api/assessments/{campaign.hospital.pk}/").json()
    assert set(body) >= {
        "id",
        "establishment",
        "year",
        "status",
        "version",
        "reference_date",
        "answers",
        "scores",
        "gaps",
        "headline",
    }
    assert body["id"] == campaign.hospital.pk
    assert body["establishment"] == world.hospital.finess
    assert (body["year"], body["status"], body["version"]) == (2025, "draft", 1)
    assert body["answers"] == {
        "GOV-RSSI": RSSI,
        "GOV-COMITE": "partial",
        "D3-BASTION": "not_applicable",
    }
    assert body["scores"]["global"] == pytest.approx(100 * 4 / 13)
    assert body["scores"]["axes"] == {"1": pytest.approx(50), "2": 0, "4": None}
    assert body["scores"]["objectives"] == {
        "2": pytest.approx(80),
        "3": 0,
        "7": 0,
        "5": 0,
        "15": None,
    }
    assert body["scores"]["domains"] == {"D1": 0, "D3": None}
    # Same deadline for all: heaviest first, then by code.
    assert [(g["requirement"], g["status"]) for g in body["gaps"]] == [
        ("BUDGET", "unanswered"),
        ("EXERCICE", "unanswered"),
        ("GHT-CONVERGENCE", "unanswered"),
        ("GOV-COMITE", "partial"),
    ]
    assert {"requirement", "status", "severity", "deadline"} <= set(body["gaps"][0])
    assert body["gaps"][0]["deadline"] == "2025-06-30"
    assert body["headline"]["rssi"] is True
    assert body["headline"]["governance"] is False
    assert body["headline"]["submitted"] is False


def test_member_sees_the_ght_level_answers_of_its_support(client, world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    client.force_login(world.ght_lead)
    body = client.get(f"/api/assessments/{campaign.clinic.pk}/").json()
    assert body["answers"] == {"GHT-CONVERGENCE": True}
    assert body["scores"]["domains"]["D1"] == 100


@pytest.mark.parametrize("person", sorted(VISIBLE))
def test_list_and_detail_are_scoped_per_role(client, world, campaign, person):
    client.force_login(getattr(world, person))
    rows = client.get("/api/assessments/").json()["results"]
    expected = {getattr(campaign, name).pk for name in VISIBLE[person]}
    assert {row["id"] for row in rows} == expected
    for name in ALL:
        assessment = getattr(campaign, name)
        response = client.get(f"/api/assessments/{assessment.pk}/")
        assert response.status_code == (200 if name in VISIBLE[person] else 404), name


@pytest.mark.parametrize("person", sorted(VISIBLE))
def test_patch_outside_scope_is_404_and_writes_nothing(client, world, campaign, person):
    client.force_login(getattr(world, person))
    for name in set(ALL) - VISIBLE[person]:
        response = patch(
            client, getattr(campaign, name), {"version": 0, "answers": {"D3-BASTION": True}}
        )
        assert response.status_code == 404, name
    assert not Answer.objects.exists()


@pytest.mark.parametrize("person", ["director", "ars", "national"])
def test_patch_by_readers_in_scope_is_403(client, world, campaign, person):
    client.force_login(getattr(world, person))
    response = patch(client, campaign.hospital, {"version": 0, "answers": {"D3-BASTION": True}})
    assert response.status_code == 403
    assert not Answer.objects.exists()


def test_list_shows_status_and_global_score_with_filters(client, world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": RSSI},
        expected_version=0,
        user=world.rssi,
    )
    Assessment.objects.filter(pk=campaign.nursing_home.pk).update(status="submitted")
    client.force_login(world.national)
    rows = {row["id"]: row for row in client.get("/api/assessments/").json()["results"]}
    hospital = rows[campaign.hospital.pk]
    assert hospital["establishment"] == world.hospital.finess
    assert (hospital["year"], hospital["status"], hospital["version"]) == (2025, "draft", 1)
    assert hospital["score_global"] == pytest.approx(100 * 3 / 14)
    assert rows[campaign.clinic.pk]["score_global"] is None  # never scored yet

    def ids(**params):
        return {row["id"] for row in client.get("/api/assessments/", params).json()["results"]}

    assert ids(region="11") == {campaign.other_hospital.pk}
    assert ids(status="submitted") == {campaign.nursing_home.pk}
    assert ids(year=2025) == {getattr(campaign, name).pk for name in ALL}
    assert ids(year=2024) == set()


def test_patch_saves_and_returns_the_new_state(client, world, campaign):
    client.force_login(world.rssi)
    response = patch(
        client,
        campaign.hospital,
        {
            "version": 0,
            "answers": {"GOV-RSSI": RSSI, "BUDGET": {"numerator": 2, "denominator": 100}},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["answers"] == {"GOV-RSSI": RSSI, "BUDGET": {"numerator": 2, "denominator": 100}}
    assert body["scores"]["objectives"]["7"] == 100  # exactly 2 %
    assert body["headline"]["rssi"] is True
    snapshot = ScoreSnapshot.objects.get(assessment=campaign.hospital)
    assert snapshot.score_global == pytest.approx(body["scores"]["global"])


def test_stale_version_is_409_and_writes_nothing(client, world, campaign):
    client.force_login(world.rssi)
    assert (
        patch(
            client, campaign.hospital, {"version": 0, "answers": {"GOV-COMITE": "no"}}
        ).status_code
        == 200
    )
    response = patch(
        client,
        campaign.hospital,
        {"version": 0, "answers": {"GOV-COMITE": "yes", "D3-BASTION": True}},
    )
    assert response.status_code == 409
    body = response.json()
    assert "entre-temps" in body["detail"]
    assert body["current"]["version"] == 1
    assert body["current"]["answers"] == {"GOV-COMITE": "no"}
    assert {a.value for a in Answer.objects.filter(assessment=campaign.hospital)} == {"no"}
    assert Assessment.objects.get(pk=campaign.hospital.pk).version == 1


def test_bad_answers_are_400_with_one_message_each_and_write_nothing(client, world, campaign):
    client.force_login(world.rssi)
    response = patch(
        client,
        campaign.hospital,
        {
            "version": 0,
            "answers": {
                "GOV-COMITE": "yes",
                "BUDGET": {"numerator": -1, "denominator": 100},
                "GOV-RSSI": {"name": "Claire", "email": "claire@"},
                "EXERCICE": "2099-01-01",
                "UNKNOWN": True,
            },
        },
    )
    assert response.status_code == 400
    errors = response.json()["answers"]
    assert set(errors) == {"BUDGET", "GOV-RSSI", "EXERCICE", "UNKNOWN"}
    assert "négatif" in errors["BUDGET"]
    assert "futur" in errors["EXERCICE"]
    assert not Answer.objects.exists()
    assert Assessment.objects.get(pk=campaign.hospital.pk).version == 0


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {}},
        {"version": "0", "answers": {}},
        {"version": 0},
        {"version": 0, "answers": []},
        [],
    ],
)
def test_malformed_body_is_400(client, world, campaign, body):
    client.force_login(world.rssi)
    response = patch(client, campaign.hospital, body)
    assert response.status_code == 400
    assert not Answer.objects.exists()


@pytest.mark.parametrize("body", [{"answers": {}}, [], {"version": 0, "answers": {"X": 1}}])
def test_any_body_outside_scope_is_404(client, world, campaign, body):
    """Out of scope looks like absent, whatever is sent: no 400 tells that it exists."""
    client.force_login(world.rssi)
    outside = next(getattr(campaign, name) for name in sorted(set(ALL) - VISIBLE["rssi"]))
    response = patch(client, outside, body)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert patch(client, outside.__class__(pk=10**9), body).status_code == 404
    assert not Answer.objects.exists()


def test_submitted_assessment_refuses_answers(client, world, campaign):
    Assessment.objects.filter(pk=campaign.hospital.pk).update(status="submitted")
    client.force_login(world.rssi)
    response = patch(client, campaign.hospital, {"version": 0, "answers": {"D3-BASTION": True}})
    assert response.status_code == 403
    assert "transmise" in response.json()["detail"]
    assert not Answer.objects.exists()


def test_anonymous_is_refused(client, campaign):
    assert client.get("/api/assessments/").status_code in (401, 403)
    assert patch(client, campaign.hospital, {"version": 0, "answers": {}}).status_code in (401, 403)


def test_detail_and_list_take_a_bounded_number_of_queries(
    client, world, campaign, django_assert_max_num_queries
):
    recompute_snapshots(Assessment.objects.all())
    client.force_login(world.national)
    client.get(f"/api/assessments/{campaign.hospital.pk}/")
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/assessments/{campaign.hospital.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/assessments/").json()["results"]) == 4
