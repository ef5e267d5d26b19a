"""The plan's order against the documented priority rule (the referential's `priorities`)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from actions.priorities import action_key, ordered_actions, reordered
from actions.services import create_action, move_action, reset_order
from assessments.answers import save_answers
from referential.priorities import CRITERIA, PriorityRule, parse_priorities

V2_RULE = {
    "criteria": ["source", "severity", "ransomware"],
    "sources": ["plan", "funding_call", "portal"],
    "severities": ["overdue", "due_soon", "planned"],
    "ransomware_critical": [
        {"measure": "sauvegardes", "label": "Sauvegardes hors ligne", "requirements": ["BACKUP"]}
    ],
}
gaps = st.lists(
    st.tuples(
        st.sampled_from(["plan", "funding_call", "portal"]),
        st.sampled_from(["overdue", "due_soon", "planned"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@given(gaps)
def test_the_order_follows_each_criterion_in_turn(found):
    rule = PriorityRule.of(V2_RULE)
    items = [
        (
            source,
            severity,
            critical,
            rule.key(
                code="BACKUP" if critical else f"R{i}", source=source, severity=severity, position=i
            ),
        )
        for i, (source, severity, critical) in enumerate(found)
    ]
    ordered = sorted(items, key=lambda item: item[3])
    for before, after in zip(ordered, ordered[1:], strict=False):
        sources, severities = V2_RULE["sources"], V2_RULE["severities"]
        # Plan targets before portal recommendations, whatever the rest.
        assert sources.index(before[0]) <= sources.index(after[0])
        if before[0] == after[0]:
            assert severities.index(before[1]) <= severities.index(after[1])
            if before[1] == after[1]:
                assert before[2] >= after[2]  # ransomware-critical first


@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=5))
def test_an_action_ranks_as_its_most_urgent_gap(positions):
    keys = {f"R{p}": (p,) for p in range(21)}
    assert action_key([f"R{p}" for p in positions], keys) == (min(positions),)
    assert action_key(["GONE"], keys) == (float("inf"),)


def test_without_a_rule_the_documented_order_alone():
    rule = PriorityRule.of({})
    assert rule.is_documented_order
    assert rule.key(code="X", source="portal", severity="planned", position=3) == (3,)


def test_the_section_is_checked_with_its_line():
    class Line(dict):
        line = 2130

    errors: list[str] = []
    raw = Line(
        criteria=["source", "severity"],
        sources=["plan", "funding_call", "portal"],
        severities=["overdue", "due_soon", "planned"],
        ransomware_critical=[{"measure": "x", "label": "X", "requirements": ["NOPE"]}],
    )
    parse_priorities(raw, requirements={"A": object()}, errors=errors)
    assert any("(ligne 2130)" in e and "criteria" in e for e in errors), errors
    assert any("exigence inconnue « NOPE »" in e for e in errors), errors
    assert set(CRITERIA) == {"source", "severity", "ransomware"}


def test_the_2026_file_names_the_ransomware_measures(db):
    from referential.loader import load_referential_file

    load_referential_file("fixtures/referential/care-2025.yaml")
    referential = load_referential_file("fixtures/referential/care-2026.yaml").referential
    rule = PriorityRule.of(referential.priority_rule)
    assert rule.criteria == ("source", "severity", "ransomware")
    assert set(rule.critical.values()) == {
        "Exposition sur internet",
        "Annuaire Active Directory",
        "Détection des intrusions",
        "Sauvegardes hors ligne",
        "Test de restauration",
    }


@pytest.fixture
def plan(world, campaign):
    """Three actions on the test referential (no rule: the gaps' documented order)."""
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no", "D3-BASTION": False},
        expected_version=0,
        user=world.rssi,
    )
    assessment.refresh_from_db()
    made = [
        create_action(assessment=assessment, user=world.rssi, title=title, gaps=[code])
        for title, code in [
            ("Bastion", "D3-BASTION"),
            ("Comité", "GOV-COMITE"),
            ("RSSI", "GOV-RSSI"),
        ]
    ]
    return assessment, made


def test_the_rssi_reorders_and_the_plan_says_when(world, plan, client):
    assessment, made = plan
    before = [a.title for a in ordered_actions(assessment)]
    assert before == ["RSSI", "Comité", "Bastion"]  # GOV-RSSI, GOV-COMITE, D3-BASTION order
    move_action(action=made[0], user=world.rssi, offset=-1)
    assert [a.title for a in ordered_actions(assessment)] == ["RSSI", "Bastion", "Comité"]
    assert reordered(assessment).reordered_by == world.rssi
    client.force_login(world.director)
    page = client.get(f"/assessments/{assessment.pk}/actions/").content.decode()
    assert (
        "Ordre modifié par l’établissement le " + timezone.localdate().strftime("%d/%m/%Y") in page
    )
    # An action added afterwards follows the ranked ones; back to the rule on request.
    create_action(assessment=assessment, user=world.rssi, title="Bis", gaps=["GOV-RSSI"])
    assert [a.title for a in ordered_actions(assessment)][-1] == "Bis"
    reset_order(assessment=assessment, user=world.rssi)
    assert reordered(assessment) is None
    assert [a.title for a in ordered_actions(assessment)][:2] == ["RSSI", "Bis"]
