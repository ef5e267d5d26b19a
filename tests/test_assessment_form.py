"""The assessment form: access per role, widgets, bad input, stale saves, follow-ups, GHT items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.answers import save_answers
from assessments.evidence import add_note
from assessments.models import Answer, Assessment
from establishments.models import Role
from referential.loader import load_referential_file
from referential.models import Requirement
from tests.factories import (
    AssessmentFactory,
    AxisFactory,
    CampaignFactory,
    ObjectiveFactory,
    ReferentialVersionFactory,
    RequirementFactory,
    user_with_role,
)
from tests.html_checks import csp_problems

BUDGET_RULE = {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
LEVEL_RULE = {
    "type": "level",
    "choices": {"1": 0, "2": 0.5, "3": 1},
    "labels": {"1": "Aucune mesure", "2": "Mesures partielles", "3": "Niveau cible atteint"},
}
# (axis, objective, code, fields) — enough to exercise every answer type.
REQUIREMENTS = [
    ("1", "2", "GOV-RSSI", {"rule": {"type": "person_named"}, "headline": "rssi"}),
    ("1", "2", "GOV-COMITE", {"rule": {"type": "tristate"}, "headline": "governance"}),
    (
        "1",
        "2",
        "GOV-COMITE-CR",
        {"condition": {"requirement": "GOV-COMITE", "in": ["yes", "partial"]}},
    ),
    (
        "1",
        "3",
        "EXERCICE",
        {"rule": {"type": "within_days", "met": 365, "partial": 730}, "applies_to": ["ES"]},
    ),
    ("1", "3", "OG-PLAN", {"applies_to": ["ESSMS"], "label": "Plan de continuité ESSMS"}),
    ("2", "7", "BUDGET", {"rule": BUDGET_RULE, "applies_to": ["ES"], "headline": "budget"}),
    ("2", "5", "GHT-CONVERGENCE", {"applies_to": ["GHT"], "domain": "D1"}),
    (
        "3",
        "9",
        "EDR",
        {
            "rule": {"type": "percent_at_least", "met": 90, "partial": 50},
            "not_applicable_allowed": True,
            "domain": "D2",
        },
    ),
    ("3", "9", "AD-NIVEAU", {"rule": LEVEL_RULE, "domain": "D1"}),
]


@dataclass
class FormWorld:
    hospital: Assessment  # support of world.ght
    clinic: Assessment  # member of world.ght
    nursing_home: Assessment  # ESSMS
    other_hospital: Assessment


def build_referential(requirements=REQUIREMENTS, *, extra_per_objective: int = 0):
    referential = ReferentialVersionFactory()
    axes, objectives = {}, {}
    national = None
    order = 0
    for axis, objective, code, fields in requirements:
        if axis not in axes:
            axes[axis] = AxisFactory(referential=referential, number=int(axis), title=f"Axe {axis}")
            if national is None:
                national = ObjectiveFactory(
                    axis=axes[axis], number=1, title="Gouvernance nationale", national_only=True
                )
        if objective not in objectives:
            objectives[objective] = ObjectiveFactory(
                axis=axes[axis], number=int(objective), title=f"Objectif {objective}"
            )
        fields = dict(fields)
        rule = fields.pop("rule", {"type": "boolean"})
        RequirementFactory(
            objective=objectives[objective],
            code=code,
            order=order,
            rule=rule,
            deadline=date(2025, 6, 30),
            deadline_label="S1 2025",
            help_text=f"Preuve pour {code}",
            **fields,
        )
        order += 1
        for n in range(extra_per_objective):
            RequirementFactory(objective=objectives[objective], code=f"{code}-X{n}", order=order)
            order += 1
    return referential


@pytest.fixture
def forms_world(world) -> FormWorld:
    campaign = CampaignFactory(year=2025, referential=build_referential())
    return FormWorld(
        **{
            name: AssessmentFactory(establishment=getattr(world, name), campaign=campaign)
            for name in ("hospital", "clinic", "nursing_home", "other_hospital")
        }
    )


def url(assessment, step=None):
    base = reverse("assessments:form", args=[assessment.pk])
    return f"{base}?step={step}" if step else base


def post_step(client, assessment, step, answers, *, button="save"):
    """POST a step as the browser would, with the version the page was shown with.

    The baseline (the step's answers when shown) only matters when the version is stale.
    """
    assessment.refresh_from_db()
    data = {"version": assessment.version, **answers, button: "x"}
    return client.post(url(assessment, step), data)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match and match.group(1).replace("&quot;", '"')


def stored(assessment, code):
    answer = Answer.objects.filter(assessment=assessment, requirement__code=code).first()
    return answer.value if answer else None


# --- access per role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, target, status, editable",
    [
        ("rssi", "hospital", 200, True),
        ("director", "hospital", 200, False),
        ("ars", "hospital", 200, False),
        ("national", "hospital", 200, False),
        ("ght_lead", "hospital", 200, True),  # the GHT-level items only
        ("ght_lead", "clinic", 200, False),
        ("ars", "nursing_home", 200, False),
        ("rssi", "clinic", 404, None),
        ("director", "nursing_home", 404, None),
        ("other_rssi", "hospital", 404, None),
        ("other_ars", "hospital", 404, None),
        ("ght_lead", "nursing_home", 404, None),
        ("other_rssi", "other_hospital", 200, True),
    ],
)
def test_access_per_role(client, world, forms_world, who, target, status, editable):
    client.force_login(getattr(world, who))
    response = client.get(url(getattr(forms_world, target)))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert ('id="assessment-form"' in html) is editable
        assert ("Enregistrer" in html) is editable


def test_anonymous_is_sent_to_sign_in(client, forms_world):
    response = client.get(url(forms_world.hospital))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["director", "ars", "national"])
def test_read_only_roles_cannot_post(client, world, forms_world, who):
    client.force_login(getattr(world, who))
    response = client.post(
        url(forms_world.hospital, "1"), {"version": 0, "GOV-COMITE": "yes", "save": "x"}
    )
    assert response.status_code == 403
    assert stored(forms_world.hospital, "GOV-COMITE") is None


def test_out_of_scope_post_is_404(client, world, forms_world):
    client.force_login(world.other_rssi)
    response = client.post(url(forms_world.hospital, "1"), {"version": 0, "GOV-COMITE": "yes"})
    assert response.status_code == 404


def test_submitted_assessment_is_read_only_for_its_rssi(client, world, forms_world):
    Assessment.objects.filter(pk=forms_world.hospital.pk).update(status="submitted")
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital)).content.decode()
    assert "lecture seule" in html
    assert 'id="assessment-form"' not in html
    # Submitted while the RSSI was typing: nothing saved, and what was typed is listed.
    response = client.post(
        url(forms_world.hospital, "1"), {"version": 0, "GOV-COMITE": "yes", "EDR": "12"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "vos saisies n&#x27;ont pas été enregistrées" in html or "vos saisies n'ont pas" in html
    assert "<strong>GOV-COMITE</strong>" in html and ": Oui</li>" in html
    assert stored(forms_world.hospital, "GOV-COMITE") is None
    client.force_login(world.director)
    response = client.post(url(forms_world.hospital, "1"), {"version": 0, "GOV-COMITE": "yes"})
    assert response.status_code == 403


# --- steps and what each shows -----------------------------------------------------------------


def test_one_step_per_axis_with_objectives_and_details(client, world, forms_world):
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital)).content.decode()
    assert 'class="fr-stepper"' in html
    assert "Étape 1 sur 3" in html
    assert "Objectif 2 — Objectif 2" in html
    assert "Gouvernance nationale" not in html  # national-only objective skipped
    assert "Preuve pour GOV-RSSI" in html
    assert "Action CaRE 2-1" in html
    assert "S1 2025" in html
    assert "Enregistrer et continuer" in html
    html = client.get(url(forms_world.hospital, "3")).content.decode()
    assert "Étape 3 sur 3" in html
    assert "Domaine 2" in html  # domain badge
    assert "Enregistrer et continuer" not in html  # last step


def test_only_requirements_of_the_establishment_kind(client, world, forms_world):
    client.force_login(world.ars)
    es = client.get(url(forms_world.hospital)).content.decode()
    essms = client.get(url(forms_world.nursing_home)).content.decode()
    assert "EXERCICE" in es and "OG-PLAN" not in es
    assert "OG-PLAN" in essms and "EXERCICE" not in essms
    assert "BUDGET" not in client.get(url(forms_world.nursing_home, "2")).content.decode()


# --- each widget round-trips its value --------------------------------------------------------


@pytest.mark.parametrize(
    "step, posted, code, expected, shown",
    [
        (
            "1",
            {"GOV-COMITE": "partial"},
            "GOV-COMITE",
            "partial",
            'value="partial" id="id_GOV-COMITE_1" checked',
        ),
        (
            "1",
            {"GOV-COMITE": "yes", "GOV-COMITE-CR": "true"},
            "GOV-COMITE-CR",
            True,
            'value="true" id="id_GOV-COMITE-CR_0" checked',
        ),
        (
            "1",
            {"GOV-COMITE": "yes", "GOV-COMITE-CR": "false"},
            "GOV-COMITE-CR",
            False,
            'value="false" id="id_GOV-COMITE-CR_1" checked',
        ),
        (
            "1",
            {"GOV-RSSI__name": "  Jeanne   Dupont ", "GOV-RSSI__email": "jeanne.dupont@chu.fr"},
            "GOV-RSSI",
            {"name": "Jeanne Dupont", "email": "jeanne.dupont@chu.fr"},
            'value="jeanne.dupont@chu.fr"',
        ),
        (
            "1",
            {"GOV-RSSI__nobody": "on"},
            "GOV-RSSI",
            False,
            'id="id_GOV-RSSI__nobody" checked',
        ),
        ("1", {"EXERCICE": "2025-01-15"}, "EXERCICE", "2025-01-15", 'value="2025-01-15"'),
        ("1", {"EXERCICE": "15/01/2025"}, "EXERCICE", "2025-01-15", 'value="2025-01-15"'),
        ("1", {"EXERCICE__never": "on"}, "EXERCICE", False, 'id="id_EXERCICE__never" checked'),
        (
            "2",
            {"BUDGET__numerator": "1 250 000", "BUDGET__denominator": "50 000 000,00 €"},
            "BUDGET",
            {"numerator": 1250000, "denominator": 50000000},
            "Ratio enregistré : 2,5 % (cible : 2 %)",
        ),
        ("3", {"EDR": "92,5"}, "EDR", 92.5, 'value="92,50"'),
        ("3", {"EDR": "80"}, "EDR", 80, 'value="80"'),
        ("3", {"EDR__na": "on"}, "EDR", "not_applicable", 'id="id_EDR__na" checked'),
        ("3", {"AD-NIVEAU": "2"}, "AD-NIVEAU", "2", 'value="2" id="id_AD-NIVEAU_1" checked'),
    ],
)
def test_each_widget_round_trips(client, world, forms_world, step, posted, code, expected, shown):
    client.force_login(world.rssi)
    response = post_step(client, forms_world.hospital, step, posted)
    assert response.status_code == 302, re.findall(
        r"fr-message--error\">([^<]*)|fr-alert__title\">([^<]*)|<p>([^<]*)</p>",
        response.content.decode(),
    )
    value = stored(forms_world.hospital, code)
    assert value == expected and type(value) is type(expected)
    html = client.get(url(forms_world.hospital, step)).content.decode()
    assert shown in html


def test_level_radios_carry_the_choice_labels(client, world, forms_world):
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital, "3")).content.decode()
    for label in ("Aucune mesure", "Mesures partielles", "Niveau cible atteint"):
        assert label in html


def test_not_applicable_offered_only_where_allowed(client, world, forms_world):
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital, "3")).content.decode()
    assert 'name="EDR__na"' in html
    assert 'name="AD-NIVEAU" value="not_applicable"' not in html
    html = client.get(url(forms_world.hospital, "1")).content.decode()
    assert "not_applicable" not in html and '__na"' not in html


def test_saving_bumps_the_version_and_the_score(client, world, forms_world):
    client.force_login(world.rssi)
    post_step(client, forms_world.hospital, "1", {"GOV-COMITE": "yes"})
    forms_world.hospital.refresh_from_db()
    assert forms_world.hospital.version == 1
    html = client.get(url(forms_world.hospital, "1")).content.decode()
    assert "Score actuel" in html and "Principaux écarts" in html
    assert "Réponses dans cette étape : 1 sur" in html


def test_save_and_continue_goes_to_the_next_step(client, world, forms_world):
    client.force_login(world.rssi)
    response = post_step(
        client, forms_world.hospital, "1", {"GOV-COMITE": "no"}, button="save_continue"
    )
    assert response.status_code == 302
    assert "step=2" in response["Location"]


def test_clearing_an_amount_makes_it_unanswered(client, world, forms_world):
    client.force_login(world.rssi)
    post_step(client, forms_world.hospital, "3", {"EDR": "80"})
    post_step(client, forms_world.hospital, "3", {"EDR": ""})
    assert stored(forms_world.hospital, "EDR") is None


# --- bad input: a message next to its field, the rest kept -------------------------------------


def _messages_of(html: str, part: str) -> str:
    """The error messages rendered right after the field named `part`."""
    match = re.search(rf'id="id_{re.escape(part)}-messages"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error next to {part}"
    return match.group(1)


def tomorrow() -> str:
    """Read when the test runs, not when it is collected (a run may cross midnight)."""
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "step, posted, part, message",
    [
        (
            "2",
            {"BUDGET__numerator": "-5", "BUDGET__denominator": "1000"},
            "BUDGET__numerator",
            "négatif",
        ),
        (
            "2",
            {"BUDGET__numerator": "10", "BUDGET__denominator": "999 999 999 999 999"},
            "BUDGET__denominator",
            "invraisemblable",
        ),
        (
            "2",
            {"BUDGET__numerator": "2 000 000", "BUDGET__denominator": "1 000 000"},
            "BUDGET__numerator",
            "dépasse le total",
        ),
        (
            "2",
            {"BUDGET__numerator": "abc", "BUDGET__denominator": "1000"},
            "BUDGET__numerator",
            "n&#x27;est pas un montant",
        ),
        ("2", {"BUDGET__numerator": "100"}, "BUDGET__denominator", "Saisissez aussi ce montant"),
        ("1", {"EXERCICE": tomorrow}, "EXERCICE", "dans le futur"),
        ("1", {"EXERCICE": "31/02/2025"}, "EXERCICE", "n&#x27;est pas une date"),
        ("3", {"EDR": "120"}, "EDR", "entre 0 et 100"),
        (
            "1",
            {"GOV-RSSI__name": "Jeanne Dupont", "GOV-RSSI__email": "jeanne@"},
            "GOV-RSSI__email",
            "adresse e-mail valide",
        ),
        ("1", {"GOV-RSSI__email": "jeanne@chu.fr"}, "GOV-RSSI__name", "Indiquez le nom"),
        ("1", {"GOV-COMITE": "not_applicable"}, "GOV-COMITE", "non applicable"),
        (
            "1",
            {"EXERCICE": "2025-01-10", "EXERCICE__never": "on"},
            "EXERCICE__never",
            "gardez l&#x27;un ou l&#x27;autre",
        ),
        ("3", {"EDR": "50", "EDR__na": "on"}, "EDR__na", "non applicable"),
    ],
)
def test_bad_input_message_next_to_its_field(
    client, world, forms_world, step, posted, part, message
):
    client.force_login(world.rssi)
    posted = {key: value() if callable(value) else value for key, value in posted.items()}
    others = {
        "1": {"GOV-COMITE": "partial"}
        if "GOV-COMITE" not in posted
        else {"EXERCICE": "2025-01-15"},
        "2": {},
        "3": {"AD-NIVEAU": "3"},
    }[step]
    response = post_step(client, forms_world.hospital, step, {**others, **posted})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in _messages_of(html, part)
    assert re.search(r"fr-(input-group|fieldset|checkbox-group)--error", html)
    assert 'class="fr-alert fr-alert--error' in html  # the summary, with a link to the field
    code = part.split("__")[0]
    assert f'href="#req-{code}"' in html
    # What was typed is shown again as typed…
    for name, typed in posted.items():
        if typed != "on" and name.split("__")[0] == code and "not_applicable" not in typed:
            assert f'value="{typed}"' in html or typed in html
    # …the bad answer is not saved, and the other answers of the step are.
    assert stored(forms_world.hospital, code) is None
    for other_code, value in others.items():
        assert stored(forms_world.hospital, other_code) == value
    assert "data-care-unsaved" in html


def test_bad_input_keeps_the_other_typed_answers_when_resubmitted(client, world, forms_world):
    client.force_login(world.rssi)
    response = post_step(
        client,
        forms_world.hospital,
        "3",
        {"EDR": "150", "AD-NIVEAU": "2"},
    )
    html = response.content.decode()
    assert 'value="2" id="id_AD-NIVEAU_1" checked' in html
    assert 'value="150"' in html
    # The page carries the new version: correcting and saving again works.
    response = post_step(client, forms_world.hospital, "3", {"EDR": "95", "AD-NIVEAU": "2"})
    assert response.status_code == 302
    assert stored(forms_world.hospital, "EDR") == 95


# --- stale saves ---------------------------------------------------------------------------------


def test_stale_save_is_refused_with_the_other_values_shown(client, world, forms_world):
    hospital = forms_world.hospital
    client.force_login(world.rssi)
    page = client.get(url(hospital, "1")).content.decode()
    version, baseline = hospital.version, _hidden(page, "baseline")
    # A colleague saves the same step in between.
    colleague = user_with_role(Role.RSSI, world.hospital, first_name="Alix", last_name="Colin")
    save_answers(
        assessment=hospital,
        answers={"GOV-COMITE": "no", "EXERCICE": "2025-02-01"},
        expected_version=version,
        user=colleague,
    )
    response = client.post(
        url(hospital, "1"),
        {
            "version": version,
            "baseline": baseline,
            "GOV-COMITE": "yes",
            "GOV-RSSI__name": "Jeanne Dupont",
            "GOV-RSSI__email": "j.dupont@chu.fr",
            "save": "x",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu’un a enregistré cette étape" in html.replace("&#x27;", "’").replace("'", "’")
    assert "Modifié entre-temps par Alix Colin" in html
    conflict = html[html.index('id="req-GOV-COMITE"') : html.index('id="req-GOV-COMITE-CR"')]
    assert "care-conflict__theirs" in conflict and ">Non</strong>" in conflict
    assert 'value="yes" id="id_GOV-COMITE_0" checked' in conflict  # what I typed, kept
    assert 'value="j.dupont@chu.fr"' in html
    # Nothing of mine written, nothing of theirs overwritten.
    assert stored(hospital, "GOV-COMITE") == "no"
    assert stored(hospital, "GOV-RSSI") is None
    hospital.refresh_from_db()
    assert hospital.version == version + 1
    # Saving again from the page shown keeps my values, deliberately.
    response = client.post(
        url(hospital, "1"),
        {
            "version": _hidden(html, "version"),
            "baseline": _hidden(html, "baseline"),
            "GOV-COMITE": "yes",
            "GOV-RSSI__name": "Jeanne Dupont",
            "GOV-RSSI__email": "j.dupont@chu.fr",
            "EXERCICE": "2025-02-01",
            "save": "x",
        },
    )
    assert response.status_code == 302
    assert stored(hospital, "GOV-COMITE") == "yes"
    assert stored(hospital, "EXERCICE") == "2025-02-01"


def test_save_on_top_of_changes_made_on_another_step(client, world, forms_world):
    hospital = forms_world.hospital
    client.force_login(world.rssi)
    page = client.get(url(hospital, "3")).content.decode()
    version, baseline = hospital.version, _hidden(page, "baseline")
    save_answers(
        assessment=hospital, answers={"GOV-COMITE": "no"}, expected_version=version, user=world.rssi
    )
    response = client.post(
        url(hospital, "3"), {"version": version, "baseline": baseline, "EDR": "70", "save": "x"}
    )
    assert response.status_code == 302
    assert stored(hospital, "EDR") == 70
    assert stored(hospital, "GOV-COMITE") == "no"


def test_stale_save_without_baseline_is_refused(client, world, forms_world):
    hospital = forms_world.hospital
    client.force_login(world.rssi)
    save_answers(assessment=hospital, answers={"EDR": 10}, expected_version=0, user=world.rssi)
    response = client.post(url(hospital, "3"), {"version": 0, "EDR": "70", "save": "x"})
    assert response.status_code == 409
    assert stored(hospital, "EDR") == 10


# --- conditional follow-ups ----------------------------------------------------------------------


def test_follow_up_shown_only_when_its_condition_holds(client, world, forms_world):
    client.force_login(world.rssi)
    hospital = forms_world.hospital

    def follow_up_hidden() -> bool:
        html = client.get(url(hospital, "1")).content.decode()
        tag = re.search(r'<section[^>]*id="req-GOV-COMITE-CR"[^>]*>', html).group(0)
        assert 'data-condition-on="GOV-COMITE"' in tag
        return " hidden" in tag

    assert follow_up_hidden()
    post_step(client, hospital, "1", {"GOV-COMITE": "partial"})
    assert not follow_up_hidden()
    post_step(client, hospital, "1", {"GOV-COMITE": "no", "GOV-COMITE-CR": "not-a-boolean"})
    assert follow_up_hidden()  # and its bad value, not asked, is neither refused nor saved
    assert stored(hospital, "GOV-COMITE") == "no"
    assert stored(hospital, "GOV-COMITE-CR") is None


def test_follow_up_counts_in_progress_only_when_asked(client, world, forms_world):
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital, "1")).content.decode()
    assert "Réponses dans cette étape : 0 sur 3" in html  # GOV-RSSI, GOV-COMITE, EXERCICE
    post_step(client, forms_world.hospital, "1", {"GOV-COMITE": "yes"})
    html = client.get(url(forms_world.hospital, "1")).content.decode()
    assert "Réponses dans cette étape : 1 sur 4" in html


# --- GHT-level requirements ----------------------------------------------------------------------


def test_ght_lead_edits_ght_items_only_on_the_support(client, world, forms_world):
    client.force_login(world.ght_lead)
    html = client.get(url(forms_world.hospital, "2")).content.decode()
    assert 'name="GHT-CONVERGENCE"' in html
    assert 'name="BUDGET__numerator"' not in html  # the RSSI's item, read-only here
    response = post_step(client, forms_world.hospital, "2", {"GHT-CONVERGENCE": "true"})
    assert response.status_code == 302
    assert stored(forms_world.hospital, "GHT-CONVERGENCE") is True
    # A forged post of the RSSI's item is not taken.
    post_step(
        client, forms_world.hospital, "2", {"BUDGET__numerator": "1", "BUDGET__denominator": "10"}
    )
    assert stored(forms_world.hospital, "BUDGET") is None


def test_support_rssi_sees_ght_items_read_only(client, world, forms_world):
    client.force_login(world.rssi)
    html = client.get(url(forms_world.hospital, "2")).content.decode()
    assert 'name="GHT-CONVERGENCE"' not in html
    assert "renseignée par le responsable du GHT" in html


def test_members_show_the_ght_answers_read_only(client, world, forms_world):
    save_answers(
        assessment=forms_world.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    client.force_login(clinic_rssi)
    html = client.get(url(forms_world.clinic, "2")).content.decode()
    block = html[html.index('id="req-GHT-CONVERGENCE"') :]
    block = block[: block.index("</section>")]
    assert 'name="GHT-CONVERGENCE"' not in block
    assert "Oui" in block and "Centre hospitalier de Villefranche" in block
    assert 'name="BUDGET__numerator"' in html  # its own items stay editable
    # The ESSMS outside any GHT has no GHT-level item at all.
    client.force_login(world.ars)
    assert "GHT-CONVERGENCE" not in client.get(url(forms_world.nursing_home, "2")).content.decode()


# --- query counts --------------------------------------------------------------------------------


def _full_world(world, extra: int):
    campaign = CampaignFactory(
        year=2030 + extra, referential=build_referential(extra_per_objective=extra)
    )
    return AssessmentFactory(establishment=world.hospital, campaign=campaign)


@pytest.mark.parametrize("extra", [0, 25])
def test_query_count_does_not_grow_with_the_referential(
    client, world, django_assert_max_num_queries, extra
):
    assessment = _full_world(world, extra)
    for requirement in Requirement.objects.filter(referential=assessment.campaign.referential):
        if not requirement.is_ght_level:
            add_note(
                assessment=assessment, requirement=requirement, note="Compte rendu", user=world.rssi
            )
    client.force_login(world.rssi)
    client.get(url(assessment, "1"))  # compiles the referential once, as a running server has
    with django_assert_max_num_queries(8):
        assert client.get(url(assessment, "1")).status_code == 200
    answers = {"GOV-COMITE": "yes", "EXERCICE": "2025-01-15"}
    answers.update({f"GOV-RSSI-X{n}": "true" for n in range(extra)})
    page = client.get(url(assessment, "1")).content.decode()
    data = {"version": 0, "baseline": _hidden(page, "baseline"), "save": "x", **answers}
    with django_assert_max_num_queries(25):
        assert client.post(url(assessment, "1"), data).status_code == 302
    assert Answer.objects.filter(assessment=assessment).count() == 2 + extra


CARE_FILE = settings.BASE_DIR / "fixtures" / "referential" / "care-2025.yaml"

# A valid answer per answer type, to fill a whole step of the real referential.
SAMPLE_ANSWERS = {
    "boolean": {"": "true"},
    "tristate": {"": "partial"},
    "level": {"": None},  # the first choice, read from the rule
    "ratio_at_least": {"__numerator": "1 500 000", "__denominator": "80 000 000"},
    "percent_at_least": {"": "75"},
    "within_days": {"": "2025-01-15"},
    "person_named": {"__name": "Jeanne Dupont", "__email": "jeanne.dupont@chu.fr"},
}


def _sample_post(requirements) -> dict[str, str]:
    data = {}
    for requirement in requirements:
        for suffix, value in SAMPLE_ANSWERS[requirement.rule["type"]].items():
            if value is None:
                value = str(next(iter(requirement.rule["choices"])))
            data[requirement.code + suffix] = value
    return data


def test_the_care_referential_renders_and_saves_in_bounded_queries(
    client, world, django_assert_max_num_queries
):
    referential = load_referential_file(CARE_FILE).referential
    campaign = CampaignFactory(year=2025, referential=referential)
    hospital = AssessmentFactory(establishment=world.hospital, campaign=campaign)
    nursing_home = AssessmentFactory(establishment=world.nursing_home, campaign=campaign)
    client.force_login(world.rssi)
    client.get(url(hospital))
    steps = sorted({r.objective.axis.code for r in referential.requirements.all()})
    for step in steps:
        with django_assert_max_num_queries(8):
            response = client.get(url(hospital, step))
        assert response.status_code == 200
        assert not csp_problems(response)
        applicable = [
            r
            for r in referential.requirements.filter(objective__axis__code=step)
            if "ES" in r.applies_to and not r.condition
        ]
        with django_assert_max_num_queries(25):
            response = post_step(client, hospital, step, _sample_post(applicable))
        assert response.status_code == 302, step
    # Every answer typed is stored; the follow-ups not asked are not.
    assert Answer.objects.filter(assessment=hospital).count() == len(
        [r for r in referential.requirements.all() if "ES" in r.applies_to and not r.condition]
    )
    client.force_login(world.ars)
    for step in steps:
        with django_assert_max_num_queries(8):
            assert client.get(url(nursing_home, step)).status_code == 200
