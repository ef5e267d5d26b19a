"""Carrying the previous campaign's answers over, what became of them, and the simulation page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from assessments.answers import AnswersRejected, AssessmentLocked, StaleVersion
from assessments.carry_over import (
    CarryOverError,
    carry_over_answers,
    carry_over_offer,
    carry_overs_of,
    simulate_carry_over,
    simulation_target,
)
from assessments.models import Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow_forms import VersionForm
from establishments.models import User


def simulation_url(user, assessment: Assessment | None) -> str | None:
    """The simulation page of ``assessment``, when a later version follows its own and the
    person may preview it."""
    if assessment is None or not user.has_perm("assessments.simulate", assessment):
        return None
    if simulation_target(assessment) is None:
        return None
    return reverse("assessments:simulation", args=[assessment.pk])


def carry_over_context(request: HttpRequest, assessment: Assessment, *, page=None) -> dict:
    """What the status and form pages show of carrying over: the offer, and past carry-overs.

    ``page``, the form page when there is one, already knows who may edit and what is answered.
    """
    user = request.user
    if page is not None:
        previous = page.carry_over_offer()
    elif user.has_perm("assessments.edit_answers", assessment):
        previous = carry_over_offer(assessment)
    else:
        previous = None
    records = carry_overs_of(assessment)
    specs = compiled_referential(assessment.campaign.referential_id).model.by_code
    to_reread = []
    for record in records:
        for item in record.to_reread:
            spec = specs.get(item["code"])
            step = spec.axis if spec is not None else None
            to_reread.append(item | {"url": form_url(assessment, step, item["code"])})
    return {
        "previous": previous,
        "previous_changes_version": previous is not None
        and previous.campaign.referential_id != assessment.campaign.referential_id,
        "previous_simulation_url": simulation_url(user, previous),
        "carry_overs": records,
        "to_reread": to_reread,
    }


@require_POST
def carry_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Start from the previous campaign's answers, at the RSSI's explicit request."""
    assessment = assessment_for(request, pk)
    form = VersionForm(request.POST)
    status_url = reverse("assessments:status", args=[assessment.pk])
    if not form.is_valid():
        messages.error(request, _("Demande incomplète : rechargez la page et recommencez."))
        return redirect(status_url)
    user = request.user
    if not isinstance(user, User):  # signed in: the portal's middleware sees to it
        raise PermissionDenied
    try:
        result = carry_over_answers(
            assessment=assessment,
            user=user,
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except CarryOverError as error:
        messages.error(request, str(error))
        return redirect(status_url)
    except StaleVersion:
        messages.error(
            request,
            _("Quelqu'un a enregistré cette auto-évaluation entre-temps : rien n'a été repris."),
        )
        return redirect(status_url)
    except AssessmentLocked:
        messages.error(request, _("L'auto-évaluation est transmise : rien n'a été repris."))
        return redirect(status_url)
    except AnswersRejected as rejected:
        messages.error(
            request,
            _("Rien n'a été repris : %(list)s.")
            % {"list": " ; ".join(f"{code} ({why})" for code, why in rejected.errors.items())},
        )
        return redirect(status_url)
    text = ngettext(
        "%(count)d réponse reprise de la campagne %(year)s : relisez-la avant de transmettre.",
        "%(count)d réponses reprises de la campagne %(year)s : relisez-les avant de transmettre.",
        len(result.copied),
    ) % {"count": len(result.copied), "year": result.previous.campaign.year}
    messages.success(request, text)
    if result.to_reread:
        messages.warning(
            request,
            ngettext(
                "%(count)d réponse reprise est à relire : son sens a changé (%(list)s).",
                "%(count)d réponses reprises sont à relire : leur sens a changé (%(list)s).",
                len(result.to_reread),
            )
            % {"count": len(result.to_reread), "list": ", ".join(result.to_reread)},
        )
    if result.skipped:
        messages.warning(
            request,
            _("Non reprises : %(list)s.")
            % {"list": " ; ".join(f"{code} ({why})" for code, why in result.skipped.items())},
        )
    return redirect(f"{status_url}#carry-over")


@require_GET
def simulation(request: HttpRequest, pk: int) -> HttpResponse:
    """How this assessment would read under the version of the referential that follows its own.

    Nothing is written: the answers are carried through the code map and scored in memory.
    """
    assessment = assessment_for(request, pk)
    if not request.user.has_perm("assessments.simulate", assessment):
        raise PermissionDenied
    found = simulate_carry_over(assessment)
    context = {
        "page_title": _("Simulation selon la version suivante du référentiel — %(name)s")
        % {"name": assessment.establishment.display_name},
        "assessment": assessment,
        "simulation": found,
    }
    if found is not None:
        result, referential = found.result, found.referential
        domain_titles = dict(referential.domain_choices())
        context |= {
            "scores": result.scores,
            "before": assessment.snapshot_view,
            "domains": [
                {"code": code, "title": domain_titles.get(code, code), "score": score}
                for code, score in result.domains.items()
            ],
            "gaps": result.gaps,
            "carried": found.plan.carried,
            "to_reread": found.plan.to_reread,
            "not_carried": found.plan.not_carried,
            "through_map": found.plan.code_map.through_map,
            "progress": result.progress,
            "target_url": _target_url(request, found),
        }
    return render(request, "assessments/simulation.html", context)


def _target_url(request: HttpRequest, found) -> str | None:
    """The status page of the assessment to carry over into, when this person may do it now."""
    target = found.target
    if target is None or not request.user.has_perm("assessments.edit_answers", target):
        return None
    if carry_over_offer(target) is None:
        return None
    return reverse("assessments:status", args=[target.pk]) + "#carry-over"
