"""Complete, valid answers for the assessments of the `campaign` fixture."""

from datetime import date, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessments.answers import save_answers
from assessments.exercise_register import register_codes
from assessments.models import Answer, CrisisExercise
from assessments.scoring.compiled import compiled_referential
from establishments.models import Role, User
from tests.factories import user_with_role


def complete_answers(kind: str = "ES", *, ght_support: bool = True) -> dict:
    """Every required answer of the small test referential, for an establishment of `kind`."""
    recent = (timezone.localdate() - timedelta(days=30)).isoformat()
    answers = {
        "GOV-RSSI": {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"},
        "GOV-COMITE": "yes",
        "D3-BASTION": "not_applicable",
    }
    if kind == "ES":
        answers |= {"EXERCICE": recent, "BUDGET": {"numerator": 30000, "denominator": 1000000}}
    else:
        answers["OG-EXERCICE"] = True
    if ght_support:
        answers["GHT-CONVERGENCE"] = True
    return answers


def given_by_ght_lead(assessment, answers: dict) -> dict:
    """Store the GHT-level answers among `answers` as the GHT lead gave them beforehand (the
    version is not bumped); the other answers, for the caller to save."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    ght = [code for code in answers if code in compiled.ght_level_codes]
    if not ght:
        return answers
    establishment = assessment.establishment
    lead = User.objects.filter(
        role_assignments__role=Role.GHT, role_assignments__ght_id=establishment.ght_id
    ).first() or user_with_role(Role.GHT, establishment.ght)
    now = timezone.now()
    bulk_create_with_history(
        [
            Answer(
                assessment=assessment,
                requirement_id=compiled.id_by_code[code],
                value=answers[code],
                updated_by=lead,
                updated_at=now,
            )
            for code in ght
        ],
        Answer,
        default_user=lead,
        default_date=now,
    )
    return {code: value for code, value in answers.items() if code not in ght}


def without_register(assessment, answers: dict) -> dict:
    """`answers` but those the crisis exercise register gives (never typed)."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    register = set(register_codes(compiled, assessment.establishment))
    return {code: value for code, value in answers.items() if code not in register}


def logged_in_register(assessment, answers: dict, user=None) -> dict:
    """Log in the establishment's crisis exercise register the exercise `answers` say was held
    (dated as answered, else a month ago); returns the other answers, the register giving
    those."""
    others = without_register(assessment, answers)
    given = [value for code, value in answers.items() if code not in others]
    if any(value is True or isinstance(value, str) for value in given):
        dates = [date.fromisoformat(value) for value in given if isinstance(value, str)]
        held_on = max(dates) if dates else timezone.localdate() - timedelta(days=30)
        CrisisExercise.objects.get_or_create(
            establishment=assessment.establishment,
            held_on=held_on,
            defaults={"kind": "tabletop", "scenario": "Rançongiciel", "created_by": user},
        )
    return others


def fill(assessment, user, **kwargs) -> None:
    """Answer every required requirement of `assessment` as `user` (the GHT-level ones as the
    GHT lead)."""
    assessment.refresh_from_db()
    establishment = assessment.establishment
    answers = complete_answers(establishment.kind, ght_support=establishment.is_ght_support)
    answers = without_register(assessment, answers)
    if not user.has_perm("assessments.edit_ght_answers", assessment):
        answers = given_by_ght_lead(assessment, answers)
    save_answers(
        assessment=assessment,
        answers=answers,
        expected_version=assessment.version,
        user=user,
        **kwargs,
    )
    assessment.refresh_from_db()


def answer_everything(assessment, user) -> dict:
    """A valid, met-looking answer to every requirement of the establishment's own kind that it
    is asked (GHT-level items aside: the GHT lead's); returns them."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    establishment = assessment.establishment

    def answer(spec):
        kind = spec.rule["type"]
        if kind == "level":
            choices = spec.rule["choices"]
            return max(choices, key=choices.get)
        return {
            "boolean": True,
            "tristate": "yes",
            "ratio_at_least": {"numerator": 5, "denominator": 100},
            "percent_at_least": 100,
            "within_days": "2025-10-01",
            "person_named": {"name": "Claire Martin", "email": "claire.martin@ch.fr"},
        }[kind]

    answers = compiled.model.answer_asked(
        answer,
        kinds={establishment.kind},
        ght_support=establishment.is_ght_support,
    )
    # The exercise answers come from the register: the exercise is logged there.
    save_answers(
        assessment=assessment,
        answers=logged_in_register(assessment, answers, user),
        expected_version=0,
        user=user,
    )
    return answers
