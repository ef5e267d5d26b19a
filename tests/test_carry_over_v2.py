"""Carrying a version-1 assessment over onto a version-2 one, through the version's code map.

A factory-built pair of versions holds every answer type and every fate an answer can meet:
carried under a new code, carried but to be read again (meaning narrowed), not carried by the
map, refused by the new rule, no longer asked of the establishment, recorded by the ARS, a "not
applicable" that now needs a reason, a GHT-level answer left to the GHT lead. The real CARE
files are then carried over end to end, and version 1 still scores the 2025 campaign as before.
"""

from datetime import date

import pytest

from assessments.answers import StaleVersion, refresh_snapshot, save_answers
from assessments.campaigns import CarryOverError, carry_over_answers
from assessments.models import Answer, Assessment, CarryOver, ScoreSnapshot
from assessments.scoring.service import SNAPSHOT_FIELDS, compute_result, recompute_snapshots
from audit.models import AuditEvent
from establishments.models import Role
from referential.loader import load_referential_file
from referential.models import AnsweredBy, Requirement
from tests.answers import answer_everything, given_by_ght_lead
from tests.factories import (
    AssessmentFactory,
    AxisFactory,
    CampaignFactory,
    ObjectiveFactory,
    ReferentialVersionFactory,
    RequirementFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

LEVELS = {"none": 0, "partial": 0.5, "full": 1}
NARROWED = (
    "Sens restreint : la question ne porte plus que sur la cellule de crise. Une réponse de "
    "2025 est à relire."
)
DROPPED = "Se lit désormais du statut de l'auto-évaluation : ce n'est plus une question."

# v1 code: (rule, fields, answer given in 2025)
V1 = {
    "GOV-RSSI": ({"type": "person_named"}, {}, {"name": "Claire Martin", "email": "cm@ch.fr"}),
    "D2-JOURNAUX": ({"type": "tristate"}, {}, "partial"),
    "BUDGET": ({"type": "ratio_at_least", "met": 0.02}, {}, {"numerator": 3, "denominator": 100}),
    "ID-2FA": ({"type": "percent_at_least", "met": 95}, {}, 60),
    "EXERCICE": ({"type": "within_days", "met": 365}, {}, "2025-03-14"),
    "AD-NIVEAU": ({"type": "level", "choices": LEVELS}, {}, "none"),
    "AD-CIBLE": ({"type": "level", "choices": LEVELS}, {}, "partial"),
    "PROCEDURES": ({"type": "boolean"}, {}, True),
    "BASTION": ({"type": "boolean"}, {"not_applicable_allowed": True}, "not_applicable"),
    "CERT": ({"type": "boolean"}, {"not_applicable_allowed": True}, "not_applicable"),
    "AUTOEVAL": ({"type": "boolean"}, {}, True),
    "CPOM": ({"type": "boolean"}, {}, False),
    "ES-ONLY": ({"type": "boolean"}, {}, True),
    "GHT-COMITE": ({"type": "boolean"}, {"applies_to": ["GHT"]}, True),
}
# v2 code: (rule, fields); "from" in the map below.
V2 = {
    "GOV-RSSI": ({"type": "person_named"}, {}),
    "DET-JOURNAUX": ({"type": "tristate"}, {}),
    "BUDGET": ({"type": "ratio_at_least", "met": 0.02}, {}),
    "ID-2FA": ({"type": "percent_at_least", "met": 95}, {}),
    "EXERCICE": ({"type": "within_days", "met": 365}, {}),
    "AD-NIVEAU": ({"type": "level", "choices": LEVELS}, {}),
    # Version 2 drops the "partial" level: the 2025 answer is no longer a choice.
    "AD-CIBLE": ({"type": "level", "choices": {"none": 0, "full": 1}}, {}),
    "CELLULE-CRISE": ({"type": "boolean"}, {}),
    "TM-BASTION": (
        {"type": "boolean"},
        {"not_applicable_allowed": True, "reason_required_for_na": True},
    ),
    "CERT": ({"type": "boolean"}, {"not_applicable_allowed": True}),
    "CPOM": ({"type": "boolean"}, {"answered_by": AnsweredBy.ARS, "required": False}),
    "ES-ONLY": ({"type": "boolean"}, {"applies_to": ["ESSMS"]}),
    "GHT-COMITE": ({"type": "boolean"}, {"applies_to": ["GHT"]}),
    "NEW-ITEM": ({"type": "boolean"}, {}),
}
CODE_MAP = {
    "from": {"code": "CARE", "version": 1},
    "codes": [
        {"code": "GOV-RSSI", "from": "GOV-RSSI", "note": ""},
        {"code": "DET-JOURNAUX", "from": "D2-JOURNAUX", "note": "Même question, code renommé."},
        {"code": "BUDGET", "from": "BUDGET", "note": ""},
        {"code": "ID-2FA", "from": "ID-2FA", "note": ""},
        {"code": "EXERCICE", "from": "EXERCICE", "note": ""},
        {"code": "AD-NIVEAU", "from": "AD-NIVEAU", "note": ""},
        {"code": "AD-CIBLE", "from": "AD-CIBLE", "note": ""},
        {"code": "CELLULE-CRISE", "from": "PROCEDURES", "note": NARROWED},
        {"code": "TM-BASTION", "from": "BASTION", "note": "Code renommé."},
        {"code": "CERT", "from": "CERT", "note": ""},
        {"code": "CPOM", "from": "CPOM", "note": ""},
        {"code": "ES-ONLY", "from": "ES-ONLY", "note": ""},
        {"code": "GHT-COMITE", "from": "GHT-COMITE", "note": ""},
    ],
    "not_carried": [{"from": "AUTOEVAL", "reason": DROPPED}],
}


def _version(number: int, items: dict, **fields):
    referential = ReferentialVersionFactory(code="CARE", version=number, **fields)
    objective = ObjectiveFactory(axis=AxisFactory(referential=referential, number=1), number=1)
    requirements = {}
    for order, (code, spec) in enumerate(items.items()):
        rule, extra = spec[0], spec[1]
        requirements[code] = RequirementFactory(
            objective=objective,
            code=code,
            rule=rule,
            order=order,
            **({"applies_to": ["ES", "ESSMS", "GHT"] if code == "NEW-ITEM" else ["ES"]} | extra),
        )
    return referential, requirements


@pytest.fixture
def versions(world):
    """The hospital's 2025 assessment (version 1) answered, its 2026 one (version 2) empty."""
    v1, _ = _version(1, V1)
    v2, v2_requirements = _version(2, V2, code_map=CODE_MAP)
    previous = AssessmentFactory(
        establishment=world.hospital, campaign=CampaignFactory(year=2025, referential=v1)
    )
    answers = {code: spec[2] for code, spec in V1.items()}
    save_answers(
        assessment=previous,
        answers=given_by_ght_lead(previous, answers),
        expected_version=0,
        user=world.rssi,
    )
    current = AssessmentFactory(
        establishment=world.hospital, campaign=CampaignFactory(year=2026, referential=v2)
    )
    return previous, current, v2_requirements


def _stored(assessment) -> dict:
    return dict(
        Answer.objects.filter(assessment=assessment).values_list("requirement__code", "value")
    )


def test_every_answer_type_is_carried_through_the_map(world, versions):
    previous, current, _requirements = versions
    result = carry_over_answers(assessment=current, user=world.rssi, expected_version=0)

    assert _stored(current) == {
        "GOV-RSSI": {"name": "Claire Martin", "email": "cm@ch.fr"},
        "DET-JOURNAUX": "partial",  # renamed code
        "BUDGET": {"numerator": 3, "denominator": 100},
        "ID-2FA": 60,
        "EXERCICE": "2025-03-14",
        "AD-NIVEAU": "none",
        "CELLULE-CRISE": True,  # carried, to be read again
        "CERT": "not_applicable",  # no reason asked for it in version 2
    }
    assert result.copied == sorted(_stored(current))
    assert result.to_reread == {"CELLULE-CRISE": NARROWED}
    # (The choices are listed in the order the database keeps them.)
    assert result.skipped.pop("AD-CIBLE").startswith(
        "réponse refusée par la règle de CARE:2 : Niveau « partial » inconnu ; choix possibles :"
    )
    assert result.skipped == {
        "BASTION": "« non applicable » demande désormais un motif : répondez à nouveau",
        "AUTOEVAL": DROPPED,
        "CPOM": "renseignée par l'ARS pour l'établissement, elle n'est pas reprise",
        "ES-ONLY": "ne s'applique plus à ce type d'établissement",
        "GHT-COMITE": "exigence de niveau GHT, reprise par le responsable du GHT",
    }
    # The 2025 answers are untouched.
    assert _stored(previous)["PROCEDURES"] is True and len(_stored(previous)) == len(V1)


def test_the_carry_over_is_kept_with_its_reasons_and_in_the_audit_log(world, versions):
    _previous, current, _requirements = versions
    carry_over_answers(assessment=current, user=world.rssi, expected_version=0)

    record = CarryOver.objects.get(assessment=current)
    assert (record.previous_year, record.previous_referential, record.referential) == (
        2025,
        "CARE:1",
        "CARE:2",
    )
    assert record.through_map and record.created_by == world.rssi
    # Every 2025 answer is accounted for, in the order of version 1.
    assert [item["from"] for item in record.items] == list(V1)
    assert {(i["from"], i["code"]) for i in record.to_reread} == {("PROCEDURES", "CELLULE-CRISE")}
    assert {i["from"]: i["reason"] for i in record.not_carried}["AUTOEVAL"] == DROPPED
    assert record.carried_count == 8

    # Every carried answer is in the answers' history, written by the RSSI.
    history = Answer.history.filter(assessment_id=current.pk)
    assert history.count() == 8 and {h.history_user_id for h in history} == {world.rssi.pk}

    event = AuditEvent.objects.get(action="carry_over")
    assert event.establishment == world.hospital and event.actor == world.rssi
    assert event.detail["previous_referential"] == "CARE:1"
    assert event.detail["to_reread"] == ["CELLULE-CRISE"]
    assert event.detail["not_carried"]["CPOM"].startswith("renseignée par l'ARS")


def test_the_rssi_sees_what_was_carried_and_what_was_not(client, world, versions):
    _previous, current, _requirements = versions
    client.force_login(world.rssi)
    status_url = f"/assessments/{current.pk}/status/"
    form = client.get(f"/assessments/{current.pk}/").content.decode()
    # The offer is on the empty questionnaire too, and says the answers follow the map.
    assert "Reprendre les réponses de 2025" in form
    assert "selon sa table de correspondance" in form

    response = client.post(f"/assessments/{current.pk}/carry-over/", {"version": 0}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{status_url}#carry-over"
    assert "8 réponses reprises de la campagne 2025" in page
    assert "1 réponse reprise est à relire : son sens a changé (CELLULE-CRISE)" in page
    # The list stays on the status page, with the reasons, and in the timeline.
    page = client.get(status_url).content.decode()
    assert "Campagne 2025 (CARE:1 → CARE:2)" in page
    assert "PROCEDURES" in page and "Sens restreint" in page
    assert "AUTOEVAL" in page and "Se lit désormais du statut" in page
    assert "Niveau « partial » inconnu" in page
    assert (
        "Reprise des réponses de la campagne 2025 (CARE:1 → CARE:2) : 8 reprise(s) dont 1" in page
    )
    assert "Reprendre les réponses" not in page
    # The questionnaire flags the answer to read again, with a link to its question.
    form = client.get(f"/assessments/{current.pk}/").content.decode()
    assert "1 réponse reprise à relire" in form
    assert "#req-CELLULE-CRISE" in form and "Reprendre les réponses" not in form


def test_the_ght_lead_carries_the_ght_level_answers_afterwards(world, versions):
    _previous, current, _requirements = versions
    carry_over_answers(assessment=current, user=world.rssi, expected_version=0)
    current.refresh_from_db()
    result = carry_over_answers(
        assessment=current, user=world.ght_lead, expected_version=current.version
    )
    assert result.copied == ["GHT-COMITE"] and result.skipped == {}
    assert _stored(current)["GHT-COMITE"] is True
    assert CarryOver.objects.filter(assessment=current).count() == 2


def test_a_failure_leaves_nothing_half_written(world, versions, monkeypatch):
    _previous, current, _requirements = versions

    def audit_down(**kwargs):
        raise RuntimeError("audit log unavailable")

    # The last step fails, after the answers were written: everything is rolled back.
    monkeypatch.setattr("assessments.carry_over.record_event", audit_down)
    with pytest.raises(RuntimeError):
        carry_over_answers(assessment=current, user=world.rssi, expected_version=0)
    current.refresh_from_db()
    assert current.version == 0
    assert not Answer.objects.filter(assessment=current).exists()
    assert not Answer.history.filter(assessment_id=current.pk).exists()
    assert not CarryOver.objects.exists() and not AuditEvent.objects.exists()
    # A stale version is refused before anything is written.
    monkeypatch.undo()
    with pytest.raises(StaleVersion):
        carry_over_answers(assessment=current, user=world.rssi, expected_version=4)
    assert not Answer.objects.filter(assessment=current).exists()
    assert not CarryOver.objects.exists()


def test_the_same_version_still_carries_by_code(world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers=given_by_ght_lead(
            campaign.hospital, {"GOV-COMITE": "yes", "GHT-CONVERGENCE": True}
        ),
        expected_version=0,
        user=world.rssi,
    )
    later = CampaignFactory(year=2026, referential=campaign.campaign.referential)
    current = AssessmentFactory(establishment=world.hospital, campaign=later)
    result = carry_over_answers(assessment=current, user=world.rssi, expected_version=0)
    assert result.copied == ["GOV-COMITE"] and result.to_reread == {}
    record = CarryOver.objects.get(assessment=current)
    assert not record.through_map and record.previous_referential == record.referential
    with pytest.raises(CarryOverError, match="déjà des réponses"):
        carry_over_answers(assessment=current, user=world.rssi, expected_version=1)


# --- the real files -----------------------------------------------------------------------------


def _real_versions():
    v1 = load_referential_file("fixtures/referential/care-2025.yaml").referential
    v2 = load_referential_file("fixtures/referential/care-2026.yaml").referential
    return v1, v2


def test_the_real_version_1_assessment_carries_over_to_version_2(world):
    v1, v2 = _real_versions()
    establishment, rssi = world.hospital, world.rssi
    previous = AssessmentFactory(
        establishment=establishment, campaign=CampaignFactory(year=2025, referential=v1)
    )
    answered = answer_everything(previous, rssi)
    current = AssessmentFactory(
        establishment=establishment, campaign=CampaignFactory(year=2026, referential=v2)
    )
    result = carry_over_answers(assessment=current, user=rssi, expected_version=0)

    by_from = {entry["from"]: entry for entry in v2.code_map["codes"]}
    dropped = {entry["from"]: entry["reason"] for entry in v2.code_map["not_carried"]}
    stored = _stored(current)
    for code, value in answered.items():
        if code in dropped:
            assert result.skipped[code] == dropped[code]
            continue
        target = by_from[code]["code"]
        assert stored[target] == value, code
    assert set(stored) == {by_from[c]["code"] for c in answered if c not in dropped}
    # Only the answers whose meaning narrowed are to be read again.
    narrowed = {
        entry["code"]
        for code, entry in by_from.items()
        if code in answered and "à relire" in (entry.get("note") or "")
    }
    assert set(result.to_reread) == narrowed == {"D2-O1B-CELLULE-CRISE"}


def _rssi_of(establishment):
    return user_with_role(Role.RSSI, establishment)


def test_version_1_still_scores_the_2025_campaign_exactly_as_before(world):
    v1 = load_referential_file("fixtures/referential/care-2025.yaml").referential
    previous = AssessmentFactory(
        establishment=world.clinic, campaign=CampaignFactory(year=2025, referential=v1)
    )
    previous.reference_date = date(2025, 12, 15)
    previous.save()
    answer_everything(previous, _rssi_of(world.clinic))
    refresh_snapshot(previous)

    def stored():
        snapshot = ScoreSnapshot.objects.get(assessment=previous)
        return {name: getattr(snapshot, name) for name in SNAPSHOT_FIELDS if name != "computed_at"}

    before = stored()
    requirements_before = list(Requirement.objects.filter(referential=v1).values())
    load_referential_file("fixtures/referential/care-2026.yaml")
    recompute_snapshots(Assessment.objects.filter(pk=previous.pk))
    assert stored() == before
    assert compute_result(previous).score_global == pytest.approx(before["score_global"])
    assert list(Requirement.objects.filter(referential=v1).values()) == requirements_before
    v1.refresh_from_db()
    assert v1.code_map == {} and previous.campaign.referential_id == v1.pk
