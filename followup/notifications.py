"""Notifications: who is told of what, in the portal and by e-mail.

The workflow of `assessments` tells `on_assessment_transition` of every status change
(registered in `FollowupConfig.ready`); the support RSSI asks the GHT lead for the GHT-level
items (`ask_ght_lead`); a relaunch tells its RSSIs (`notify_relaunch`). Each notification is one
row per recipient, written in the caller's transaction; the e-mails go through the task backend
to those who did not turn that kind off.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, Transition
from assessments.workflow import missing_required_answers
from care_portal.formats import format_date
from establishments.models import Role, RoleAssignment, User
from followup.emails import absolute_url, assessment_url, build_email, greeting_name
from followup.models import EmailOptOut, Notification, NotificationKind

Kind = NotificationKind

TRANSITION_KINDS = {
    Transition.Action.SUBMIT: Kind.SUBMITTED,
    Transition.Action.SEND_BACK: Kind.SENT_BACK,
    Transition.Action.VALIDATE: Kind.VALIDATED,
    Transition.Action.REOPEN: Kind.REOPENED,
}
# Who hears of each change, by role on the establishment.
TRANSITION_AUDIENCE = {
    Kind.SUBMITTED: (Role.DIRECTOR,),
    Kind.SENT_BACK: (Role.RSSI,),
    Kind.VALIDATED: (Role.RSSI, Role.DIRECTOR),
    Kind.REOPENED: (Role.RSSI, Role.DIRECTOR),
}


class NotifyError(Exception):
    """The notification could not be sent; the message is French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def people_with_role(role: str, *, establishment_id=None, ght_id=None) -> QuerySet[User]:
    """The active people holding `role` on this establishment (or GHT), by address."""
    assignments = RoleAssignment.objects.filter(role=role)
    if ght_id is not None:
        assignments = assignments.filter(ght_id=ght_id)
    else:
        assignments = assignments.filter(establishment_id=establishment_id)
    return User.objects.filter(is_active=True, pk__in=assignments.values("user_id")).order_by(
        "email"
    )


def ght_leads(assessment: Assessment) -> QuerySet[User]:
    ght_id = assessment.establishment.ght_id
    if ght_id is None:
        return User.objects.none()
    return people_with_role(Role.GHT, ght_id=ght_id)


def _transition_text(kind: str, assessment: Assessment, transition: Transition) -> str:
    values = {
        "name": assessment.establishment.display_name,
        "year": assessment.campaign.year,
        "who": transition.actor_label,
        "date": format_date(transition.created_at, long=True),
        "comment": transition.comment,
    }
    texts = {
        Kind.SUBMITTED: _(
            "L’auto-évaluation %(year)s de %(name)s a été transmise par %(who)s le %(date)s : "
            "elle attend votre validation."
        ),
        Kind.SENT_BACK: _(
            "L’auto-évaluation %(year)s de %(name)s vous a été renvoyée par %(who)s le %(date)s "
            "avec ce commentaire : « %(comment)s »"
        ),
        Kind.VALIDATED: _(
            "L’auto-évaluation %(year)s de %(name)s a été validée par %(who)s le %(date)s."
        ),
        Kind.REOPENED: _(
            "L’auto-évaluation %(year)s de %(name)s a été rouverte par %(who)s le %(date)s "
            "avec ce commentaire : « %(comment)s »"
        ),
    }
    return texts[kind] % values


def notify(
    *,
    kind: str,
    people: Iterable[User],
    text: str,
    assessment: Assessment | None,
    link: str = "",
) -> list[Notification]:
    """One notification per person (each once), and the e-mails to those who did not opt out."""
    unique = {person.pk: person for person in people}
    if not unique:
        return []
    now = timezone.now()
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk, kind=kind, assessment=assessment, text=text, link=link, created=now
        )
        for pk in unique
    )
    from followup.tasks import send_notifications

    # Enqueued in the caller's transaction, like every task of the follow-up.
    send_notifications.enqueue([notification.pk for notification in created])
    return created


def on_assessment_transition(assessment: Assessment, transition: Transition) -> None:
    """Tell the people concerned of a status change (not the person who made it)."""
    kind = TRANSITION_KINDS[transition.action]
    people = User.objects.none()
    for role in TRANSITION_AUDIENCE[kind]:
        people = people | people_with_role(role, establishment_id=assessment.establishment_id)
    notify(
        kind=kind,
        people=people.exclude(pk=transition.actor_id).distinct(),
        text=_transition_text(kind, assessment, transition),
        assessment=assessment,
    )


def ask_ght_lead(*, assessment: Assessment, user: User) -> list[Notification]:
    """The support RSSI tells the GHT lead which GHT-level items hold the submission back."""
    if not assessment.is_editable or not user.has_perm("assessments.submit", assessment):
        raise NotifyError(
            _("Seul le RSSI prévient le GHT, tant que l’auto-évaluation est modifiable.")
        )
    missing = [item for item in missing_required_answers(assessment) if item.ght_level]
    if not missing:
        raise NotifyError(_("Aucune exigence de niveau GHT ne manque : rien n’a été envoyé."))
    leads = list(ght_leads(assessment))
    if not leads:
        raise NotifyError(
            _("Le GHT n’a pas de responsable désigné sur le portail : adressez-vous à votre ARS.")
        )
    text = _(
        "%(who)s, RSSI de %(name)s, attend les exigences de niveau GHT pour transmettre "
        "l’auto-évaluation %(year)s : %(items)s."
    ) % {
        "who": user.get_full_name() or user.email,
        "name": assessment.establishment.display_name,
        "year": assessment.campaign.year,
        "items": ", ".join(f"{item.code} ({item.label})" for item in missing),
    }
    return notify(kind=Kind.GHT_ITEMS, people=leads, text=text, assessment=assessment)


def on_question_assigned(assignment) -> None:
    """Tell the colleague a question was entrusted to, with a link to the question."""
    assessment = assignment.assessment
    requirement = assignment.requirement
    by = assignment.assigned_by
    text = _(
        "%(who)s vous confie la question %(code)s de l’auto-évaluation %(year)s de %(name)s : "
        "« %(label)s »."
    ) % {
        "who": (by.get_full_name() or by.email) if by else _("Le RSSI"),
        "code": requirement.code,
        "year": assessment.campaign.year,
        "name": assessment.establishment.display_name,
        "label": requirement.label,
    }
    link = (
        reverse("assessments:form", args=[assessment.pk])
        + f"?step={requirement.objective.axis.code}#req-{requirement.code}"
    )
    notify(
        kind=Kind.ASSIGNED,
        people=[assignment.assignee],
        text=text,
        assessment=assessment,
        link=link,
    )


def notify_relaunch(*, relaunch, assessment_ids: dict[int, int]) -> list[Notification]:
    """Tell each RSSI relaunched, in the portal; the relaunch e-mail is this notification's.

    `assessment_ids` maps each establishment to the assessment the relaunch is about.
    """
    recipients = relaunch.recipients.filter(person__isnull=False).select_related("establishment")
    return Notification.objects.bulk_create(
        Notification(
            recipient_id=recipient.person_id,
            kind=Kind.RELAUNCH,
            assessment_id=assessment_ids.get(recipient.establishment_id),
            text=_("L’ARS %(region)s vous relance pour %(name)s : « %(subject)s »")
            % {
                "region": relaunch.region.name,
                "name": recipient.establishment.display_name,
                "subject": relaunch.subject,
            },
            created=relaunch.created_at,
        )
        for recipient in recipients
    )


def relaunch_emails_off(person_ids: Iterable[int]) -> set[int]:
    """The people who turned relaunch e-mails off."""
    return {pk for pk, kind in emails_off(person_ids) if kind == Kind.RELAUNCH}


def emails_off(person_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(person id, kind) pairs whose e-mails are turned off."""
    return set(
        EmailOptOut.objects.filter(person_id__in=list(person_ids)).values_list("person_id", "kind")
    )


def email_kinds_for(person: User) -> set[str]:
    """The kinds this person still receives by e-mail."""
    off = {kind for _pk, kind in emails_off([person.pk])}
    return {kind for kind in Kind.values if kind not in off}


@transaction.atomic
def set_email_kinds(*, person: User, kinds: Iterable[str]) -> None:
    """Keep e-mails on for `kinds` only; every other kind off."""
    wanted = set(kinds) & set(Kind.values)
    EmailOptOut.objects.filter(person=person).delete()
    EmailOptOut.objects.bulk_create(
        EmailOptOut(person=person, kind=kind) for kind in Kind.values if kind not in wanted
    )


def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the notifications not e-mailed yet, unless their recipient turned the kind off."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient", "assessment__establishment")
        .order_by("pk")
    )
    off = emails_off({n.recipient_id for n in pending})
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            person = notification.recipient
            if (person.pk, notification.kind) in off or not person.is_active or not person.email:
                continue
            link = (
                absolute_url(notification.link)
                if notification.link
                else assessment_url(notification.assessment_id)
                if notification.assessment_id
                else None
            )
            message = build_email(
                to=[person.email],
                subject=_("CaRE — %(kind)s") % {"kind": notification.get_kind_display()},
                template="notification",
                context={
                    "person_name": greeting_name(person),
                    "notification": notification,
                    "link": link,
                    "preferences": reverse("followup:notification_preferences"),
                },
            )
            if connection.send_messages([message]):
                Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
                sent += 1
    return sent
