"""Campaign follow-up: reminders sent, ARS relaunches, bulk PDF reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Campaign
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Establishment, Region, in_scope, scope_of

# --- Reminders --------------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    CAMPAIGN_CLOSING = "campaign_closing", _("Clôture de campagne proche")
    REQUIREMENT_DEADLINE = "requirement_deadline", _("Échéance d'exigences proche")
    AWAITING_VALIDATION = "awaiting_validation", _("Auto-évaluation à valider")


class ReminderLog(models.Model):
    """One reminder given to one person; the unique key is what keeps re-runs from repeating it.

    `period` says which occurrence of the reminder this is: the threshold before the campaign
    closes ("30", "7"), the requirement deadline ("2025-06-30"), the submission date.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("destinataire"),
    )
    kind = models.CharField(_("type de rappel"), max_length=32, choices=ReminderKind.choices)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("auto-évaluation"),
    )
    period = models.CharField(_("période"), max_length=40)
    email = models.EmailField(_("adresse"), blank=True)
    # The run that claimed the row: a run only sends the reminders it claimed itself.
    run = models.UUIDField(_("exécution"), db_index=True)
    created_at = models.DateTimeField(_("prévu le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rappel envoyé")
        verbose_name_plural = _("rappels envoyés")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "assessment", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.email} — {self.period}"


# --- Relaunches -------------------------------------------------------------------------------

# How many relaunches an establishment's status page lists.
RECENT_RELAUNCHES = 10


class RelaunchQuerySet(models.QuerySet):
    def for_user(self, user) -> RelaunchQuerySet:
        return in_scope(self, user, region="region_id")


class Relaunch(models.Model):
    """A message an ARS sent to the RSSIs of a selection of establishments of its region."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("région")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    # Kept as text too: the account may be deleted later.
    sender_label = models.CharField(_("envoyée par (texte)"), max_length=254)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now, db_index=True)
    subject = models.CharField(_("objet"), max_length=200)
    message = models.TextField(_("message"))
    # How the establishments were chosen: the dashboard filters, or a hand-picked list.
    criteria = models.JSONField(_("critères de sélection"), default=dict, blank=True)

    objects = RelaunchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("relance")
        verbose_name_plural = _("relances")

    def __str__(self) -> str:
        return f"{self.subject} ({self.created_at:%d/%m/%Y})"


class RelaunchRecipientQuerySet(models.QuerySet):
    def latest_relaunches(self, limit: int = RECENT_RELAUNCHES) -> list[dict]:
        """The latest `limit` relaunches among these rows, each with the addresses written to.

        Read through an establishment (`establishment.relaunches_received.latest_relaunches`),
        these are the relaunches it received, shown on its assessment's status page.
        """
        received = self.select_related("relaunch", "relaunch__region").order_by(
            "-relaunch__created_at", "relaunch_id"
        )
        relaunches: list[dict] = []
        for recipient in received:
            if relaunches and relaunches[-1]["relaunch"].pk == recipient.relaunch_id:
                relaunches[-1]["emails"].append(recipient.email)
                continue
            if len(relaunches) == limit:
                break
            relaunches.append({"relaunch": recipient.relaunch, "emails": [recipient.email]})
        return relaunches


class RelaunchRecipient(models.Model):
    """One establishment relaunched, and the RSSI written to (none when it has no RSSI)."""

    relaunch = models.ForeignKey(
        Relaunch, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("relance")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="relaunches_received",
        verbose_name=_("établissement"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destinataire"),
    )
    email = models.EmailField(_("adresse"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = RelaunchRecipientQuerySet.as_manager()

    class Meta:
        ordering = ["establishment__name", "email"]
        verbose_name = _("destinataire de relance")
        verbose_name_plural = _("destinataires de relance")

    def __str__(self) -> str:
        return f"{self.establishment.name} — {self.email or '—'}"


# --- Bulk reports -----------------------------------------------------------------------------


class BulkReportQuerySet(models.QuerySet):
    def for_user(self, user) -> BulkReportQuerySet:
        """National users see every bulk report; others only their own, in their region."""
        scoped = in_scope(self, user, region="region_id")
        if scope_of(user).everything:
            return scoped
        return scoped.filter(requester=user)


def bulk_report_path(instance: BulkReport, filename: str) -> str:
    return f"bulk-reports/{instance.created_at:%Y/%m}/{filename}"


class BulkReport(models.Model):
    """The PDF reports of a selection of establishments, rendered in the background into a ZIP."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")
        EXPIRED = "expired", _("Expiré")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("région")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("campagne")
    )
    establishments = models.ManyToManyField(
        Establishment, related_name="+", verbose_name=_("sélection")
    )
    criteria = models.JSONField(_("critères de sélection"), default=dict, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("fichier"), upload_to=bulk_report_path, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    report_count = models.PositiveIntegerField(_("rapports"), default=0)
    # Establishments of the selection without an assessment in the campaign: no report for them.
    skipped = models.JSONField(_("sans auto-évaluation"), default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    # The queued task that claimed the request: only that task, run again after its worker was
    # lost, may take a request left running over (followup.bulk_reports).
    task_id = models.CharField(_("tâche"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"))

    objects = BulkReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rapports PDF groupés")
        verbose_name_plural = _("rapports PDF groupés")

    def __str__(self) -> str:
        return f"{self.region_id} — {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and self.expires_at > timezone.now()


# --- Notifications ----------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("Auto-évaluation transmise à valider")
    SENT_BACK = "sent_back", _("Auto-évaluation renvoyée au RSSI")
    VALIDATED = "validated", _("Auto-évaluation validée")
    REOPENED = "reopened", _("Auto-évaluation rouverte")
    GHT_ITEMS = "ght_items", _("Exigences de niveau GHT attendues")
    RELAUNCH = "relaunch", _("Relance de l’ARS")
    ASSIGNED = "assigned", _("Question confiée")
    FUNDING_STAGE = "funding_stage", _("Étape d’un appel à financement bientôt close")
    FUNDING_INSTRUCT = "funding_instruct", _("Fin de l’instruction d’un appel à financement")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def mark_read(self, *, now=None) -> int:
        return self.unread().update(read_at=now or timezone.now())


class Notification(models.Model):
    """Something that waits for one person, shown in the portal and, unless turned off, e-mailed."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("destinataire"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=NotificationKind.choices)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auto-évaluation"),
    )
    text = models.TextField(_("texte"))
    # A page of the portal more precise than the assessment's status page (a question of the form).
    link = models.CharField(_("lien"), max_length=300, blank=True)
    created = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par courriel le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.recipient_id}"

    @staticmethod
    def unread_count(person_id: int) -> int:
        """The person's unread notifications, as every page's header shows them (its SQL built
        once: see ``care_portal.precompiled``)."""
        rows = _UNREAD_COUNT.values(person_id=person_id)
        return rows[0][0] if rows else 0


_UNREAD_COUNT = PrecompiledQuery(
    Notification,
    lambda person_id: (
        Notification.objects.filter(recipient_id=person_id)
        .unread()
        .order_by()
        .values("recipient_id")
        .annotate(n=models.Count("pk"))
        .values_list("n")
    ),
    person_id=-1,
)


class FundingReminder(models.Model):
    """A funding-call reminder given to one person: `key` names the stage it warned of (the
    candidacy and its stage, or the call and region for the ARS), so it is given once."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("destinataire"),
    )
    key = models.CharField(_("étape rappelée"), max_length=80)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("donné le"), default=timezone.now)

    class Meta:
        verbose_name = _("rappel d’appel à financement")
        verbose_name_plural = _("rappels d’appels à financement")
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="one_funding_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} — {self.key}"


class EmailOptOut(models.Model):
    """A kind of notification this person no longer receives by e-mail (still in the portal)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("personne"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("courriel désactivé")
        verbose_name_plural = _("courriels désactivés")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_opt_out_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} — {self.kind}"


class HomeVisit(models.Model):
    """When this person last opened their home page: "submitted since your last visit"."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("personne"),
    )
    seen_at = models.DateTimeField(_("dernière visite"))

    class Meta:
        verbose_name = _("dernière visite de l’accueil")
        verbose_name_plural = _("dernières visites de l’accueil")

    def __str__(self) -> str:
        return f"{self.person_id} — {self.seen_at:%d/%m/%Y %H:%M}"
