"""Complete, valid answers for the assessments of the `campaign` fixture."""

from datetime import timedelta

from django.utils import timezone

from assessments.services import save_answers


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


def fill(assessment, user, **kwargs) -> None:
    """Answer every required requirement of `assessment` as `user`."""
    assessment.refresh_from_db()
    establishment = assessment.establishment
    save_answers(
        assessment=assessment,
        answers=complete_answers(establishment.kind, ght_support=establishment.is_ght_support),
        expected_version=assessment.version,
        user=user,
        **kwargs,
    )
    assessment.refresh_from_db()
