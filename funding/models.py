"""Funding calls ("appels à financement") and the candidacies of GHTs and legal entities.

A call is referential data: it belongs to one referential version and is loaded from the YAML file
beside that version's file (``care-2026.funding-calls.yaml``), with its stages and their dates,
its eligibility prerequisites, its objectives with the requirements they rest on and the
documents to provide, and its GHT rule. A candidacy is a GHT (through its support establishment)
or a legal entity outside a GHT applying to one call; it moves through the stages of
``funding.workflow``, each move one ``CandidacyMove`` row (the timeline) and one audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Evidence
from establishments.models import GHT, Establishment, Region, in_scope
from referential.models import ReferentialVersion

# The stages of every call, in their order (the call file gives each one's dates).
STAGE_CODES = ("candidacy", "instruction", "declaration", "control", "payment")


class FundingCallQuerySet(models.QuerySet):
    def current(self) -> FundingCallQuerySet:
        """For each call code, the call of the newest published referential version holding it."""
        newest = (
            FundingCall.objects.filter(
                code=models.OuterRef("code"),
                referential__status=ReferentialVersion.Status.PUBLISHED,
            )
            .order_by("-referential__version")
            .values("pk")[:1]
        )
        return self.filter(
            referential__status=ReferentialVersion.Status.PUBLISHED, pk=models.Subquery(newest)
        )


class FundingCall(models.Model):
    """One funding call as a referential version describes it (all its facts are data)."""

    referential = models.ForeignKey(
        ReferentialVersion,
        on_delete=models.CASCADE,
        related_name="funding_calls",
        verbose_name=_("référentiel"),
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=255)
    plan = models.CharField(_("objectif et domaine du plan"), max_length=255)
    domain = models.CharField(_("domaine"), max_length=20)
    arrete_date = models.DateField(_("date de l'arrêté"), null=True, blank=True)
    amount_eur = models.PositiveBigIntegerField(_("enveloppe (€)"), null=True, blank=True)
    source = models.TextField(_("source"))
    order = models.PositiveIntegerField(_("ordre"), default=0)
    # Plain JSON as the call file gives them once checked (see funding.calls_file).
    stages = models.JSONField(_("étapes"), default=list)
    prerequisites = models.JSONField(_("prérequis d'éligibilité"), default=list, blank=True)
    objectives = models.JSONField(_("objectifs"), default=list)
    ght_rule = models.JSONField(_("règle GHT"), null=True, blank=True)

    objects = FundingCallQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("appel à financement")
        verbose_name_plural = _("appels à financement")
        constraints = [
            models.UniqueConstraint(fields=["referential", "code"], name="funding_call_code")
        ]

    def __str__(self) -> str:
        return self.title

    def stage(self, code: str) -> dict:
        return next(stage for stage in self.stages if stage["code"] == code)

    def objective(self, code: str) -> dict | None:
        return next((o for o in self.objectives if o["code"] == code), None)

    def document(self, objective: str, document: str) -> dict | None:
        found = self.objective(objective)
        if found is None:
            return None
        return next((d for d in found["documents"] if d["code"] == document), None)


class CandidacyQuerySet(models.QuerySet):
    def for_user(self, user) -> CandidacyQuerySet:
        """The applying establishment's people, its GHT's lead, the region's ARS, the national level."""
        return in_scope(self, user, establishment="establishment__", region="region_id")


class Candidacy(models.Model):
    """A GHT or a legal entity outside any GHT applying to one funding call."""

    class Stage(models.TextChoices):
        SUBMITTED = "submitted", _("Candidature déposée")
        VALIDATED = "validated", _("Candidature retenue par l'ARS")
        REFUSED = "refused", _("Candidature refusée par l'ARS")
        DECLARED = "declared", _("Objectifs déclarés")
        SIGNED = "signed", _("Déclaration signée par la direction")
        CONTROLLED = "controlled", _("Contrôle enregistré")
        PAID = "paid", _("Financement versé")

    class Outcome(models.TextChoices):
        COMPLIANT = "compliant", _("Conforme")
        NON_COMPLIANT = "non_compliant", _("Non conforme")

    call = models.ForeignKey(
        FundingCall, on_delete=models.PROTECT, related_name="candidacies", verbose_name=_("appel")
    )
    # The establishment through which the candidacy is filed: the GHT's support establishment,
    # or an establishment of the legal entity.
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("établissement porteur"),
    )
    ght = models.ForeignKey(
        GHT,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacies",
        verbose_name=_("GHT"),
    )
    finess_ej = models.CharField(_("FINESS EJ"), max_length=9)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("région")
    )
    stage = models.CharField(
        _("étape"), max_length=12, choices=Stage.choices, default=Stage.SUBMITTED, db_index=True
    )
    control_outcome = models.CharField(
        _("résultat du contrôle"), max_length=14, choices=Outcome.choices, blank=True
    )
    findings = models.TextField(_("constats du contrôle"), blank=True)
    # What the applicant asks of the call, in euros to the cent (funding.workflow checks it).
    amount_requested_eur = models.DecimalField(
        _("montant demandé (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_paid_eur = models.PositiveBigIntegerField(_("montant versé (€)"), null=True, blank=True)
    # {stage code: reason} — the ARS let the establishment act outside that stage's window.
    exceptions = models.JSONField(_("dérogations de calendrier"), default=dict, blank=True)
    created_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        ordering = ["call", "pk"]
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "ght"], condition=Q(ght__isnull=False), name="candidacy_one_per_ght"
            ),
            models.UniqueConstraint(
                fields=["call", "finess_ej"],
                condition=Q(ght__isnull=True),
                name="candidacy_one_per_ej",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.code} — {self.applicant_label}"

    @property
    def applicant(self) -> str:
        """The GHT code, or the FINESS EJ of a legal entity outside any GHT."""
        return self.ght.code if self.ght_id else self.finess_ej

    @property
    def applicant_label(self) -> str:
        if self.ght_id:
            return str(self.ght)
        return _("Entité juridique %(ej)s (%(name)s)") % {
            "ej": self.finess_ej,
            "name": self.establishment.name,
        }


class CandidacyMove(models.Model):
    """One step of a candidacy's timeline: who moved it, when, from which stage to which."""

    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="moves", verbose_name=_("candidature")
    )
    from_stage = models.CharField(_("étape de départ"), max_length=12, blank=True)
    to_stage = models.CharField(_("étape"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_label = models.CharField(_("auteur (texte)"), max_length=254)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    comment = models.TextField(_("commentaire"), blank=True)
    forced = models.BooleanField(_("hors calendrier (forcé par l'ARS)"), default=False)
    # A calendar exception granted by the ARS for one stage (no change of stage).
    exception_for = models.CharField(_("dérogation pour l'étape"), max_length=12, blank=True)
    amount_eur = models.PositiveBigIntegerField(_("montant (€)"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("étape de candidature")
        verbose_name_plural = _("étapes de candidature")

    def __str__(self) -> str:
        return f"{self.candidacy_id}: {self.from_stage or '-'} → {self.to_stage}"

    @property
    def to_label(self) -> str:
        return Candidacy.Stage(self.to_stage).label


class CandidacyDocument(models.Model):
    """An evidence of the applicant's assessment given as one document an objective asks for."""

    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="documents", verbose_name=_("candidature")
    )
    objective = models.CharField(_("objectif"), max_length=40)
    document = models.CharField(_("pièce"), max_length=40)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="+", verbose_name=_("preuve")
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("rattachée par"),
    )
    attached_at = models.DateTimeField(_("rattachée le"), auto_now_add=True)

    class Meta:
        ordering = ["objective", "document", "pk"]
        verbose_name = _("pièce fournie")
        verbose_name_plural = _("pièces fournies")
        constraints = [
            models.UniqueConstraint(
                fields=["candidacy", "objective", "document", "evidence"],
                name="candidacy_document_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective} / {self.document}"
