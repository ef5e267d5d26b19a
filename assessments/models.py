"""Campaigns, assessments, answers and the score snapshot read by lists and dashboards."""

from __future__ import annotations

import functools
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

from assessments.scoring.snapshot import SnapshotView
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Establishment, EstablishmentScopedQuerySet, Scope
from referential.models import ReferentialVersion, Requirement
from referential.rules import NOT_APPLICABLE_VALUE


class HistoryManagerOnce(HistoryManager):
    """simple_history's manager of the history, its class built once: reading a model's
    ``history`` otherwise builds a new manager class each time (several times per save)."""

    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


class Campaign(models.Model):
    """A yearly self-assessment campaign against one referential version."""

    year = models.PositiveIntegerField(_("année"), unique=True)
    referential = models.ForeignKey(
        ReferentialVersion,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("référentiel"),
    )
    opens_on = models.DateField(_("ouverture"), null=True, blank=True)
    closes_on = models.DateField(_("clôture"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")

    def __str__(self) -> str:
        return _("Campagne %(year)s") % {"year": self.year}


class AssessmentQuerySet(EstablishmentScopedQuerySet):
    """The assessments of the establishments a person may see (`for_user`)."""


class Assessment(models.Model):
    """One establishment's self-assessment for one campaign."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Transmise")
        VALIDATED = "validated", _("Validée")
        REOPENED = "reopened", _("Rouverte")

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("établissement"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("campagne")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Bumped at every write; a save carrying an older version is refused (no lost update).
    version = models.PositiveIntegerField(_("version"), default=0)
    # Comments and entrusted questions on its questions: the form reads them only when there are any.
    discussion_count = models.PositiveIntegerField(_("échanges sur les questions"), default=0)
    reference_date = models.DateField(_("date de référence"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    submitted_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transmise par"),
    )
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée par"),
    )

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords(history_manager=HistoryManagerOnce)

    class Meta:
        ordering = ["-campaign__year", "establishment__name"]
        verbose_name = _("auto-évaluation")
        verbose_name_plural = _("auto-évaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "campaign"], name="one_assessment_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.establishment.display_name} — {self.campaign.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REOPENED)

    @property
    def is_submitted(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.VALIDATED)

    @property
    def snapshot_view(self) -> SnapshotView:
        """The stored score snapshot, typed (empty when there is none yet)."""
        snapshot = getattr(self, "snapshot", None)  # None when the reverse one-to-one is absent
        return snapshot.view if snapshot is not None else SnapshotView.of(None)

    def effective_reference_date(self):
        """The date scores are computed against: the submission date, or today for a draft."""
        if self.reference_date:
            return self.reference_date
        return timezone.localdate()


def _scoped_assessment(
    *, pk, lock, everything, establishment_ids, ght_ids, region_codes
) -> models.QuerySet[Assessment]:
    scope = Scope.of(
        everything=everything,
        establishment_ids=establishment_ids,
        ght_ids=ght_ids,
        region_codes=region_codes,
    )
    q = scope.q(establishment=AssessmentQuerySet.establishment_path)
    found = Assessment.objects.filter(pk=pk)
    found = found.none() if q is None else found.filter(q)
    if lock:
        found = found.select_for_update(of=("self",))
    return found.select_related("establishment__ght", "establishment__region", "campaign").annotate(
        score_global=models.F("snapshot__score_global"),
        score_care=models.F("snapshot__score_care"),
    )


# An API read or save fetches its assessment through the person's scope: the SQL of that read
# is built once per shape of scope (care_portal.precompiled).
_SCOPED_ASSESSMENT = PrecompiledQuery(
    Assessment,
    _scoped_assessment,
    fixed=("lock", "everything"),
    pk=-1,
    establishment_ids=[-1_000_000],
    ght_ids=[-2_000_000],
    region_codes=["?region"],
)


def assessment_in_scope(scope: Scope, pk: int, *, lock: bool = False) -> Assessment:
    """The assessment ``pk`` among those ``scope`` covers (``Assessment.objects.for_user``),
    with its establishment, GHT, region and campaign, and its stored scores (``score_global``,
    ``score_care``; None without a snapshot); raises Assessment.DoesNotExist outside the scope.
    ``lock``: the assessment's row is locked until the transaction ends (inside one only)."""
    parts = scope.parts()
    if parts["everything"]:
        # The sets of someone who sees everything filter nothing (nor change the SQL).
        parts.update(establishment_ids=[], ght_ids=[], region_codes=[])
    found = _SCOPED_ASSESSMENT.instances(write=lock, pk=pk, lock=lock, **parts)
    if not found:
        raise Assessment.DoesNotExist
    return found[0]  # type: ignore[return-value]


class AnswerQuerySet(EstablishmentScopedQuerySet):
    """The answers of the establishments a person may see (`for_user`)."""

    establishment_path = "assessment__establishment__"

    def not_applicable(self) -> AnswerQuerySet:
        """Answers "not applicable" (with their reason in ``na_reason``)."""
        return self.filter(value=NOT_APPLICABLE_VALUE)


class Answer(models.Model):
    """One answer to one requirement, stored as typed JSON (see the API's answer values)."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("auto-évaluation"),
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="answers", verbose_name=_("exigence")
    )
    value = models.JSONField(_("réponse"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    # Why the requirement does not apply, typed with "not applicable" (cleared with any other
    # answer); required where the requirement says so (see assessments.answers).
    na_reason = models.TextField(_("motif de « non applicable »"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )

    objects = AnswerQuerySet.as_manager()
    history = HistoricalRecords(history_manager=HistoryManagerOnce)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "requirement"], name="one_answer_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} / {self.requirement.code}"

    @property
    def justification(self) -> str:
        """Why it is declared not applicable: the reason typed with it, else the answer's comment."""
        return (self.na_reason or self.comment or "").strip()


class ScoreSnapshot(models.Model):
    """Scores of an assessment, stored at each change so lists and dashboards aggregate in SQL."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    score_global = models.FloatField(_("score global"), null=True, blank=True, db_index=True)
    # Version 2 on: the CaRE-targets score (plan and funding-call items); None in version 1.
    score_care = models.FloatField(_("score cibles CaRE"), null=True, blank=True, db_index=True)
    score_d1 = models.FloatField(_("score domaine 1"), null=True, blank=True)
    score_d2 = models.FloatField(_("score domaine 2"), null=True, blank=True)
    score_d3 = models.FloatField(_("score domaine 3"), null=True, blank=True)
    score_d4 = models.FloatField(_("score domaine 4"), null=True, blank=True)
    # Headline CaRE targets: True met, False not met, None unknown.
    hl_rssi = models.BooleanField(null=True)
    hl_governance = models.BooleanField(null=True)
    hl_budget = models.BooleanField(null=True)
    hl_exercise = models.BooleanField(null=True)
    hl_pcra_referent = models.BooleanField(null=True)
    hl_plan_blanc = models.BooleanField(null=True)
    hl_domain1 = models.BooleanField(null=True)
    count_met = models.PositiveIntegerField(default=0)
    count_partial = models.PositiveIntegerField(default=0)
    count_not_met = models.PositiveIntegerField(default=0)
    count_unanswered = models.PositiveIntegerField(default=0)
    count_not_applicable = models.PositiveIntegerField(default=0)
    count_overdue = models.PositiveIntegerField(default=0)
    # Progress: requirements answered ("not applicable" included) among those asked.
    count_answered = models.PositiveIntegerField(_("réponses données"), default=0)
    # Statuses, per-axis and per-objective scores, the ordered gaps: read through `view`.
    detail = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)
    # Copies of what the lists and the peer position filter on (the assessment's campaign and
    # status, its establishment's region, department, GHT, kind, legal status, activity and
    # category group), kept equal to their sources by every snapshot write, status change and
    # registry change (``assessments.scoring.copies``): a regional list reads only its region's
    # snapshots, and a peer position its peers', through the indexes below.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    assessment_status = models.CharField(max_length=20, blank=True, default="")
    region_code = models.CharField(max_length=2, blank=True, default="")
    department_code = models.CharField(max_length=3, blank=True, default="")
    ght_ref = models.IntegerField(null=True, blank=True)
    kind = models.CharField(max_length=5, blank=True, default="")
    legal_status = models.CharField(max_length=255, blank=True, default="")
    establishment_active = models.BooleanField(default=True)
    # The FINESS aggregated category, else the category (``Establishment.category_group``).
    category_group = models.CharField(max_length=4, blank=True, default="")

    class Meta:
        verbose_name = _("instantané de score")
        verbose_name_plural = _("instantanés de score")
        indexes = [
            models.Index(
                fields=["campaign", "region_code", "establishment_active", "department_code"],
                name="snapshot_campaign_region",
            ),
            # A peer position counts its peers' snapshots from an index alone (no join to the
            # assessments or the registry): same kind and region (version 1), same kind and
            # category group (version 2 on), transmitted.
            models.Index(
                fields=["campaign", "kind", "region_code"],
                include=["assessment_status", "score_global", "score_care", "assessment"],
                name="snapshot_peers",
            ),
            models.Index(
                fields=["campaign", "kind", "category_group"],
                include=["assessment_status", "score_global", "score_care", "assessment"],
                name="snapshot_peers_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.score_global}"

    def save(self, *args, **kwargs):
        # Saved one by one (not through the scoring service's upserts): the copies of what the
        # lists filter on are taken from the assessment, like every other write.
        if self.campaign_id is None:
            from assessments.scoring.copies import copied_from

            for name, value in copied_from(self.assessment).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    @cached_property
    def view(self) -> SnapshotView:
        """The snapshot, typed: statuses, scores, gaps, headline flags, counts, progress."""
        return SnapshotView.of(self)


# --- workflow, crisis exercises, evidence -------------------------------------------------------


class Transition(models.Model):
    """One change of an assessment's status: who, when, from what to what, and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Transmission")
        VALIDATE = "validate", _("Validation")
        SEND_BACK = "send_back", _("Renvoi au RSSI")
        REOPEN = "reopen", _("Réouverture")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("auto-évaluation"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(
        _("statut avant"), max_length=10, choices=Assessment.Status.choices
    )
    to_status = models.CharField(
        _("statut après"), max_length=10, choices=Assessment.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    # Kept as text too: the timeline still names the person if the account is deleted.
    actor_label = models.CharField(_("auteur (texte)"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.from_status} → {self.to_status}"


class CrisisExerciseQuerySet(EstablishmentScopedQuerySet):
    """The exercises of the establishments a person may see (`for_user`)."""

    def shown_for(self, assessment: Assessment) -> CrisisExerciseQuerySet:
        """The exercises an assessment shows: the live log of its establishment while it is
        editable; once submitted or validated, those logged by its submission, frozen."""
        exercises = self.filter(establishment_id=assessment.establishment_id)
        if assessment.is_editable or assessment.submitted_at is None:
            return exercises
        return exercises.filter(
            created_at__lte=assessment.submitted_at,
            held_on__lte=assessment.effective_reference_date(),
        )


class CrisisExercise(models.Model):
    """A cyber crisis exercise an establishment ran; the latest feeds the exercise requirements."""

    class Kind(models.TextChoices):
        TABLETOP = "tabletop", _("Exercice sur table")
        FULL_SCALE = "full_scale", _("Exercice grandeur nature")

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="crisis_exercises",
        verbose_name=_("établissement"),
    )
    held_on = models.DateField(_("date de l'exercice"))
    kind = models.CharField(_("type d'exercice"), max_length=10, choices=Kind.choices)
    scenario = models.TextField(_("scénario"))
    lessons_learned = models.BooleanField(_("retour d'expérience rédigé"), default=False)
    actions = models.TextField(_("actions décidées"), blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )

    objects = CrisisExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("exercice de crise")
        verbose_name_plural = _("exercices de crise")

    def __str__(self) -> str:
        return f"{self.establishment_id} — {self.held_on} ({self.get_kind_display()})"

    def closed_assessments(self) -> models.QuerySet[Assessment]:
        """The submitted or validated assessments that show this exercise (see ``shown_for``)."""
        return Assessment.objects.filter(
            establishment_id=self.establishment_id,
            status__in=(Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED),
            submitted_at__gte=self.created_at,
            reference_date__gte=self.held_on,
        )


class EvidenceQuerySet(EstablishmentScopedQuerySet):
    """The evidence of the assessments a person may see (`for_user`)."""

    establishment_path = "assessment__establishment__"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """A random name: nothing of the uploaded name reaches the file system."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"evidence/{instance.assessment_id}/{secrets.token_hex(16)}.{extension}"


TITLE_MAX_LENGTH = 200


class Evidence(models.Model):
    """What backs up an answer: a file, a link or a short note, attached to one requirement."""

    class Kind(models.TextChoices):
        FILE = "file", _("Fichier")
        LINK = "link", _("Lien")
        NOTE = "note", _("Note")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("auto-évaluation"),
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="+", verbose_name=_("exigence")
    )
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices)
    file = models.FileField(_("fichier"), upload_to=evidence_upload_to, blank=True, max_length=200)
    title = models.CharField(
        _("titre"),
        max_length=TITLE_MAX_LENGTH,
        blank=True,
        help_text=_(
            "Ce que le document prouve, tel qu'il est affiché partout où la preuve est listée."
        ),
    )
    original_name = models.CharField(_("nom du fichier déposé"), max_length=255, blank=True)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("lien"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposée par"),
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """What the evidence is called wherever it is listed: its title, else the file's name,
        the link or the start of the note."""
        return self.title or self.original_name or self.url or self.note[:60]


COMMENT_TEXT_MAX_LENGTH = 2000


class QuestionCommentQuerySet(EstablishmentScopedQuerySet):
    establishment_path = "assessment__establishment__"


class QuestionComment(models.Model):
    """A remark left on one question of an assessment by someone of the establishment."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="question_comments",
        verbose_name=_("auto-évaluation"),
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="+", verbose_name=_("exigence")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    text = models.TextField(_("commentaire"), max_length=COMMENT_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    objects = QuestionCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("commentaire sur une question")
        verbose_name_plural = _("commentaires sur les questions")

    def __str__(self) -> str:
        return f"{self.requirement.code} — {self.text[:60]}"


class QuestionAssignmentQuerySet(EstablishmentScopedQuerySet):
    establishment_path = "assessment__establishment__"


class QuestionAssignment(models.Model):
    """A question of an assessment entrusted to a named colleague of the establishment."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="question_assignments",
        verbose_name=_("auto-évaluation"),
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="+", verbose_name=_("exigence")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="question_assignments",
        verbose_name=_("confiée à"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("confiée par"),
    )
    assigned_at = models.DateTimeField(_("confiée le"), auto_now=True)

    objects = QuestionAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("question confiée")
        verbose_name_plural = _("questions confiées")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "requirement"], name="one_assignee_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement.code} → {self.assignee}"


class CarryOver(models.Model):
    """One carry-over of a previous campaign's answers onto an assessment, kept as it was done.

    ``items`` lists every answer of the previous assessment that was looked at, in the previous
    version's order: ``{"from": old code, "code": new code or "", "outcome": …, "reason": …}``
    where the outcome is one of ``Outcome``; the reason says why an answer is to be read again or
    was not carried.
    """

    class Outcome(models.TextChoices):
        CARRIED = "carried", _("Reprise")
        TO_REREAD = "to_reread", _("Reprise, à relire")
        NOT_CARRIED = "not_carried", _("Non reprise")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="carry_overs",
        verbose_name=_("auto-évaluation"),
    )
    previous = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auto-évaluation reprise"),
    )
    previous_year = models.PositiveIntegerField(_("campagne reprise"))
    previous_referential = models.CharField(_("référentiel d'origine"), max_length=40)
    referential = models.CharField(_("référentiel de destination"), max_length=40)
    through_map = models.BooleanField(_("selon la table de correspondance"), default=False)
    items = models.JSONField(_("réponses examinées"), default=list)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    # Kept as text too, as for status changes: the account may be deleted later.
    created_by_label = models.CharField(_("par (texte)"), max_length=254, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reprise de réponses")
        verbose_name_plural = _("reprises de réponses")

    def __str__(self) -> str:
        return f"{self.assessment} ← {self.previous_year}"

    def items_with(self, outcome: str) -> list[dict]:
        return [item for item in self.items if item["outcome"] == outcome]

    @property
    def carried(self) -> list[dict]:
        return self.items_with(self.Outcome.CARRIED)

    @property
    def to_reread(self) -> list[dict]:
        return self.items_with(self.Outcome.TO_REREAD)

    @property
    def not_carried(self) -> list[dict]:
        return self.items_with(self.Outcome.NOT_CARRIED)

    @property
    def carried_count(self) -> int:
        """Answers carried, those to read again included."""
        return len(self.items) - len(self.not_carried)


class ReportedIncident(models.Model):
    """An incident the establishment reported to the national portal (CERT Santé), as its RSSI
    records it here; it may propose reopening the answers it affects (`assessments.incidents`)."""

    class Reopening(models.TextChoices):
        NONE = "none", _("Aucune réponse désignée")
        PROPOSED = "proposed", _("Réouverture proposée")
        CONFIRMED = "confirmed", _("Confirmée par le RSSI")
        REQUESTED = "requested", _("Demandée à l'ARS (auto-évaluation transmise)")
        REOPENED = "reopened", _("Auto-évaluation rouverte")
        DECLINED = "declined", _("Écartée par le RSSI")

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="reported_incidents",
        verbose_name=_("établissement"),
    )
    # The assessment whose answers the incident puts in question (the one it was recorded from).
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        related_name="incidents",
        verbose_name=_("auto-évaluation"),
    )
    reported_on = models.DateField(_("date du signalement"))
    reference = models.CharField(_("référence du signalement"), max_length=40)
    degraded_care = models.BooleanField(_("soins en mode dégradé"), default=False)
    description = models.TextField(_("description"), max_length=1000)
    affected = models.ManyToManyField(
        Requirement, blank=True, related_name="+", verbose_name=_("exigences concernées")
    )
    reopening = models.CharField(
        _("réouverture des réponses"),
        max_length=10,
        choices=Reopening.choices,
        default=Reopening.NONE,
    )
    reopening_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réouverture décidée par"),
    )
    reopening_at = models.DateTimeField(_("réouverture décidée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )

    objects = EstablishmentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("incident signalé")
        verbose_name_plural = _("incidents signalés")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "reference"], name="incident_reference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.reported_on})"
