"""The home page's tasks: what waits for each person, computed from the state of the work.

One card per assessment or scope, in the person's roles' order. A card only tells someone to do
what they can do now: the director is asked to validate only a submitted assessment, the RSSI to
submit only an editable one. Queries are bounded per role, whatever the size of the region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, Campaign, Transition
from assessments.workflow import MissingAnswer, missing_required_answers, pending_comments
from care_portal.formats import format_date, format_score
from establishments.models import Role, User
from followup.models import HomeVisit
from followup.notifications import ght_leads

Status = Assessment.Status
# How many establishments a card names before saying "and N more".
LISTED = 10


@dataclass
class Task:
    """One card: a title, what to know, and the link to act (`action`) or to read."""

    title: str
    text: str = ""
    url: str | None = None
    link_label: str = ""
    # "action": something to do now; "waiting": someone else's turn; "done": nothing left.
    state: str = "action"
    facts: list[tuple[str, str]] = field(default_factory=list)
    comment: Transition | None = None
    missing_ght: list[MissingAnswer] = field(default_factory=list)
    leads: list[User] = field(default_factory=list)
    notify_url: str | None = None
    listed: list[dict] = field(default_factory=list)
    more: int = 0


def _status_url(assessment: Assessment) -> str:
    return reverse("assessments:status", args=[assessment.pk])


def _form_url(assessment: Assessment) -> str:
    return reverse("assessments:form", args=[assessment.pk])


def _latest_assessments(establishment_ids) -> list[Assessment]:
    """Each establishment's assessment in the latest campaign it takes part in."""
    rows = (
        Assessment.objects.filter(establishment_id__in=establishment_ids)
        .select_related("establishment__ght", "campaign", "snapshot")
        .order_by("establishment__name", "establishment_id", "-campaign__year")
    )
    latest: dict[int, Assessment] = {}
    for assessment in rows:
        latest.setdefault(assessment.establishment_id, assessment)
    return list(latest.values())


def _facts(assessment: Assessment) -> list[tuple[str, str]]:
    stored = assessment.snapshot_view
    progress = stored.progress
    return [
        (_("Statut"), assessment.get_status_display()),
        (_("Score global"), format_score(stored.score_global)),
        (
            _("Réponses données"),
            _("%(answered)d sur %(total)d (%(percent)d %%)")
            % {"answered": progress.answered, "total": progress.total, "percent": progress.percent},
        ),
        (_("Clôture de la campagne"), format_date(assessment.campaign.closes_on, long=True)),
    ]


def _missing_ght(assessment: Assessment) -> list[MissingAnswer]:
    if not assessment.is_editable or not assessment.establishment.is_ght_support:
        return []
    return [item for item in missing_required_answers(assessment) if item.ght_level]


def rssi_task(assessment: Assessment, comment: Transition | None) -> Task:
    name = assessment.establishment.display_name
    year = assessment.campaign.year
    task = Task(title="", facts=_facts(assessment), comment=comment)
    if assessment.status == Status.SUBMITTED:
        task.title = _("Auto-évaluation %(year)s de %(name)s transmise") % {
            "year": year,
            "name": name,
        }
        task.text = _("Transmise le %(date)s : elle attend la validation de la direction.") % {
            "date": format_date(assessment.submitted_at, long=True)
        }
        task.state, task.url, task.link_label = "waiting", _status_url(assessment), _("Suivre")
    elif assessment.status == Status.VALIDATED:
        task.title = _("Auto-évaluation %(year)s de %(name)s validée") % {
            "year": year,
            "name": name,
        }
        task.text = _("Validée par la direction le %(date)s.") % {
            "date": format_date(assessment.validated_at, long=True)
        }
        task.state, task.url, task.link_label = "done", _status_url(assessment), _("Consulter")
    else:
        task.title = _("Compléter et transmettre l’auto-évaluation %(year)s de %(name)s") % {
            "year": year,
            "name": name,
        }
        if comment is not None and comment.action == Transition.Action.SEND_BACK:
            task.text = _("Renvoyée par la direction le %(date)s avec ce commentaire :") % {
                "date": format_date(comment.created_at, long=True)
            }
        elif comment is not None:
            task.text = _("Rouverte par %(who)s le %(date)s avec ce commentaire :") % {
                "who": comment.actor_label,
                "date": format_date(comment.created_at, long=True),
            }
        else:
            task.text = _(
                "Renseignez les réponses et les preuves, puis transmettez l’auto-évaluation "
                "à votre direction."
            )
        task.url, task.link_label = _form_url(assessment), _("Reprendre le questionnaire")
        task.missing_ght = _missing_ght(assessment)
        if task.missing_ght:
            task.leads = list(ght_leads(assessment))
            task.notify_url = reverse("followup:ask_ght_lead", args=[assessment.pk])
    return task


def no_assessment_task(establishment) -> Task:
    return Task(
        title=_("Pas encore d’auto-évaluation pour %(name)s")
        % {"name": establishment.display_name},
        text=_("Elle s’ouvrira avec la prochaine campagne CaRE ; rien à faire pour l’instant."),
        url=reverse("establishments:detail", args=[establishment.finess]),
        link_label=_("Fiche de l’établissement"),
        state="waiting",
    )


def director_task(assessment: Assessment) -> Task:
    name = assessment.establishment.display_name
    year = assessment.campaign.year
    task = Task(title="", facts=_facts(assessment))
    if assessment.status == Status.SUBMITTED:
        task.title = _("Valider l’auto-évaluation %(year)s de %(name)s") % {
            "year": year,
            "name": name,
        }
        task.text = _(
            "Transmise le %(date)s : lisez le rapport d’écarts, puis validez-la ou renvoyez-la "
            "au RSSI avec un commentaire."
        ) % {"date": format_date(assessment.submitted_at, long=True)}
        task.url, task.link_label = _status_url(assessment), _("Lire et valider")
    elif assessment.status == Status.VALIDATED:
        task.title = _("Auto-évaluation %(year)s de %(name)s validée") % {
            "year": year,
            "name": name,
        }
        task.text = _("Vous l’avez validée le %(date)s ; le rapport reste disponible.") % {
            "date": format_date(assessment.validated_at, long=True)
        }
        task.state, task.url, task.link_label = "done", _status_url(assessment), _("Consulter")
    else:
        task.title = _("Auto-évaluation %(year)s de %(name)s en cours de remplissage") % {
            "year": year,
            "name": name,
        }
        task.text = _("Le RSSI la remplit ; rien à valider tant qu’elle ne vous est pas transmise.")
        task.state, task.url, task.link_label = "waiting", _status_url(assessment), _("Consulter")
    return task


def ght_lead_task(ght) -> Task:
    """The GHT-level items the support's assessment still needs, and the members waiting."""
    task = Task(title=_("Suivre le GHT %(code)s") % {"code": ght.code})
    support = ght.support_establishment_id
    assessments = _latest_assessments(ght.establishments.values("pk"))
    on_support = next((a for a in assessments if a.establishment_id == support), None)
    if on_support is None:
        task.state = "waiting"
        task.text = _(
            "Le GHT n’a pas d’établissement support avec une auto-évaluation en cours : "
            "rien à renseigner pour l’instant."
        )
        task.url = reverse("dashboards:ght", args=[ght.code])
        task.link_label = _("Tableau de bord du GHT")
        return task
    task.missing_ght = _missing_ght(on_support)
    if task.missing_ght:
        task.text = ngettext(
            "%(count)d exigence de niveau GHT attend votre réponse sur l’auto-évaluation de "
            "l’établissement support, %(name)s.",
            "%(count)d exigences de niveau GHT attendent votre réponse sur l’auto-évaluation de "
            "l’établissement support, %(name)s.",
            len(task.missing_ght),
        ) % {"count": len(task.missing_ght), "name": on_support.establishment.display_name}
        task.url, task.link_label = _form_url(on_support), _("Renseigner les exigences du GHT")
        waiting = [a for a in assessments if a.is_editable]
        task.listed = [
            {
                "name": a.establishment.display_name,
                "url": _status_url(a),
                "status": a.get_status_display(),
            }
            for a in waiting[:LISTED]
        ]
        task.more = max(0, len(waiting) - LISTED)
    else:
        task.state = "done"
        task.text = _(
            "Les exigences de niveau GHT sont renseignées ou l’auto-évaluation est close."
        )
        task.url = reverse("dashboards:ght", args=[ght.code])
        task.link_label = _("Suivre les établissements membres")
    return task


def ars_task(region, *, campaign: Campaign | None, since: datetime | None, today) -> Task:
    task = Task(
        title=_("Suivre la région %(name)s") % {"name": region.name},
        url=reverse("dashboards:region", args=[region.code]),
        link_label=_("Tableau de bord régional"),
    )
    if campaign is None:
        task.state, task.text = "waiting", _("Aucune campagne n’est ouverte.")
        return task
    in_region = Assessment.objects.filter(campaign=campaign, establishment__region=region)
    facts = []
    late = in_region.filter(status__in=[Status.DRAFT, Status.REOPENED])
    if campaign.closes_on and campaign.closes_on < today:
        facts.append(
            (
                _("En retard (campagne close le %(date)s)")
                % {"date": format_date(campaign.closes_on)},
                str(late.count()),
            )
        )
    else:
        facts.append(
            (
                _("Pas encore transmises (clôture le %(date)s)")
                % {"date": format_date(campaign.closes_on)},
                str(late.count()),
            )
        )
    recent = in_region.filter(status__in=[Status.SUBMITTED, Status.VALIDATED])
    if since is not None:
        recent = recent.filter(submitted_at__gt=since)
    recent = list(recent.select_related("establishment").order_by("-submitted_at")[: LISTED + 1])
    task.listed = [
        {
            "name": a.establishment.display_name,
            "url": _status_url(a),
            "status": _("transmise le %(date)s") % {"date": format_date(a.submitted_at)},
        }
        for a in recent[:LISTED]
    ]
    task.more = 1 if len(recent) > LISTED else 0
    task.text = (
        _("Transmises depuis votre dernière visite, le %(date)s :")
        % {"date": format_date(since, long=True)}
        if since
        else _("Dernières auto-évaluations transmises :")
    )
    task.facts = facts
    task.state = "action" if task.listed else "waiting"
    return task


def national_task() -> Task:
    return Task(
        title=_("Suivre le programme au niveau national"),
        text=_(
            "Comparez les 18 régions au regard des cibles nationales, ouvrez les campagnes et "
            "publiez les versions du référentiel."
        ),
        url=reverse("dashboards:national"),
        link_label=_("Tableau de bord national"),
        state="waiting",
    )


def record_visit(user: User, *, now=None) -> datetime | None:
    """Note this visit of the home page; returns when the one before was (None: the first)."""
    now = now or timezone.now()
    previous = HomeVisit.objects.filter(person=user).values_list("seen_at", flat=True).first()
    HomeVisit.objects.update_or_create(person=user, defaults={"seen_at": now})
    return previous


def tasks_for(user: User, *, today=None) -> list[Task]:
    """Every card of this person's home page, in their roles' order."""
    today = today or timezone.localdate()
    tasks: list[Task] = []
    assignments = user.assignments
    by_role = {role: [a for a in assignments if a.role == role] for role in Role.values}
    rssi_ids = {a.establishment_id for a in by_role[Role.RSSI]}
    director_ids = {a.establishment_id for a in by_role[Role.DIRECTOR]}
    if rssi_ids or director_ids:
        assessments = _latest_assessments(rssi_ids | director_ids)
        comments = pending_comments([a for a in assessments if a.establishment_id in rssi_ids])
        for assessment in assessments:
            if assessment.establishment_id in rssi_ids:
                tasks.append(rssi_task(assessment, comments.get(assessment.pk)))
            if assessment.establishment_id in director_ids:
                tasks.append(director_task(assessment))
        with_assessment = {a.establishment_id for a in assessments}
        for assignment in by_role[Role.RSSI] + by_role[Role.DIRECTOR]:
            if assignment.establishment_id not in with_assessment:
                with_assessment.add(assignment.establishment_id)
                tasks.append(no_assessment_task(assignment.establishment))
    for assignment in by_role[Role.GHT]:
        tasks.append(ght_lead_task(assignment.ght))
    if by_role[Role.ARS]:
        since = record_visit(user)
        campaign = Campaign.objects.order_by("-year").first()
        for assignment in by_role[Role.ARS]:
            tasks.append(ars_task(assignment.region, campaign=campaign, since=since, today=today))
    if user.is_national:
        tasks.append(national_task())
    return tasks
