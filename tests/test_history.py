"""The readable history of an assessment's answers: before → after, who, when; scoped."""

import pytest

from assessments.answer_history import answer_changes
from assessments.answers import save_answers
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(world, campaign):
    """Three saves of the hospital's assessment, by its RSSI then by a second RSSI."""
    assessment = campaign.hospital
    deputy = user_with_role(
        "rssi", world.hospital, email="adjoint@example.fr", first_name="Yves", last_name="Adjoint"
    )
    save_answers(
        assessment=assessment,
        answers={
            "GOV-COMITE": "partial",
            "BUDGET": {"numerator": 10000, "denominator": 1000000},
        },
        expected_version=0,
        user=world.rssi,
    )
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "yes", "BUDGET": {"numerator": 10000, "denominator": 1000000}},
        expected_version=1,
        user=deputy,
    )
    save_answers(
        assessment=assessment,
        answers={
            "BUDGET": {"numerator": 25000, "denominator": 1000000},
            "GOV-RSSI": {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"},
        },
        expected_version=2,
        user=deputy,
    )
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": None}, expected_version=3, user=world.rssi
    )
    return assessment


def test_changes_read_before_and_after_in_human_form(world, edited):
    changes = answer_changes(edited)
    summary = [(c.requirement.code, c.before, c.after, c.who) for c in changes]
    rssi = world.rssi.get_full_name()
    assert summary[0] == ("GOV-COMITE", "Oui", "Non renseigné", rssi)
    first_save = {(code, before, who) for code, before, _after, who in summary[-2:]}
    assert first_save == {("GOV-COMITE", None, rssi), ("BUDGET", None, rssi)}
    assert ("GOV-COMITE", None, "Partiellement", rssi) in summary[-2:]
    # The unchanged budget of the second save is no change.
    assert [c.requirement.code for c in changes].count("BUDGET") == 2
    budget = [c for c in changes if c.requirement.code == "BUDGET"][0]
    assert budget.who == "Yves Adjoint"
    assert "25" in budget.after and "1 000 000" in budget.after.replace("\u202f", " ").replace(
        "\xa0", " "
    )
    assert budget.before is not None and "10" in budget.before
    person = [c for c in changes if c.requirement.code == "GOV-RSSI"][0]
    assert "Claire Martin" in person.after


def test_history_page(client, world, edited):
    client.force_login(world.director)
    response = client.get(f"/assessments/{edited.pk}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "6 modifications" in page
    assert "(première réponse)" in page
    assert "Partiellement" in page
    assert "Yves Adjoint" in page
    assert f'href="/assessments/{edited.pk}/?step=1#req-GOV-COMITE"' in page
    # Most recent first.
    assert page.index("Non renseigné") < page.index("Partiellement")
    filtered = client.get(f"/assessments/{edited.pk}/history/?requirement=GOV-COMITE")
    assert "3 modifications" in filtered.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 200),
        ("director", 200),
        ("ght_lead", 200),
        ("ars", 200),
        ("national", 200),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_history_is_scoped(client, world, edited, role, expected):
    client.force_login(getattr(world, role))
    assert client.get(f"/assessments/{edited.pk}/history/").status_code == expected


def test_history_page_queries_are_bounded(client, world, edited, django_assert_max_num_queries):
    for version in range(4, 24):
        save_answers(
            assessment=edited,
            answers={"GOV-COMITE": "yes" if version % 2 else "no"},
            expected_version=version,
            user=world.rssi,
        )
    client.force_login(world.rssi)
    with django_assert_max_num_queries(12):
        response = client.get(f"/assessments/{edited.pk}/history/")
    assert "26 modifications" in response.content.decode()
