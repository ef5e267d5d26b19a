"""Actions of an assessment's plan, their progress notes, the plan's order and the ARS agreement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from establishments.models import EstablishmentScopedQuerySet
from referential.models import Requirement
from referential.resources import Resource, merged

# Funding sources: the establishment's own budget, a CaRE funding call of the referential
# (``call:<code>``), the regional intervention fund (FIR), something else.
FUNDING_OWN = "own"
FUNDING_FIR = "fir"
FUNDING_OTHER = "other"
FUNDING_CALL_PREFIX = "call:"
FUNDING_LABELS = {
    FUNDING_OWN: _("Budget propre"),
    FUNDING_FIR: _("FIR régional"),
    FUNDING_OTHER: _("Autre financement"),
}
# Euros, to the cent: up to 9 999 999 999,99.
COST_DIGITS = 12
COST_DECIMALS = 2


class ActionQuerySet(EstablishmentScopedQuerySet):
    """The actions of the assessments a person may see (`for_user`)."""

    establishment_path = "assessment__establishment__"

    def open(self) -> ActionQuerySet:
        """Neither done nor abandoned."""
        return self.exclude(status__in=(Action.Status.DONE, Action.Status.ABANDONED))


class Action(models.Model):
    """One action of the plan: what is done, by whom, by when, at what cost, paid by whom."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planifiée")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisée")
        ABANDONED = "abandoned", _("Abandonnée")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("auto-évaluation"),
    )
    title = models.CharField(_("intitulé"), max_length=300)
    gaps = models.ManyToManyField(
        Requirement, related_name="+", blank=True, verbose_name=_("écarts corrigés")
    )
    owner_name = models.CharField(_("porteur"), max_length=150, blank=True)
    owner_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte du porteur"),
    )
    due_on = models.DateField(_("date cible"), null=True, blank=True)
    cost_investment = models.DecimalField(
        _("coût d'investissement (€)"),
        max_digits=COST_DIGITS,
        decimal_places=COST_DECIMALS,
        null=True,
        blank=True,
    )
    cost_operating = models.DecimalField(
        _("coût de fonctionnement (€)"),
        max_digits=COST_DIGITS,
        decimal_places=COST_DECIMALS,
        null=True,
        blank=True,
    )
    funding = models.CharField(_("financement"), max_length=40, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    abandon_reason = models.TextField(_("raison de l'abandon"), blank=True)
    # The place the establishment gave it in the plan (null: the priority rule places it).
    rank = models.PositiveIntegerField(_("rang choisi"), null=True, blank=True)
    # The same action in the previous campaign's plan, when it was carried over.
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("reprise de"),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="abandoned") | ~Q(abandon_reason=""),
                name="abandoned_action_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(cost_investment__isnull=True) | Q(cost_investment__gte=0))
                & (Q(cost_operating__isnull=True) | Q(cost_operating__gte=0)),
                name="action_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.ABANDONED)

    @property
    def is_carried_over(self) -> bool:
        """Copied to a later campaign's plan: this one is history now (asked afresh)."""
        return Action.objects.filter(carried_from_id=self.pk).exists()

    @property
    def funding_label(self) -> str:
        if self.funding.startswith(FUNDING_CALL_PREFIX):
            return _("Appel à financement %(code)s") % {
                "code": self.funding[len(FUNDING_CALL_PREFIX) :]
            }
        return str(FUNDING_LABELS.get(self.funding, ""))

    @property
    def owner_label(self) -> str:
        return self.owner_name or str(_("À désigner"))

    @property
    def help_resources(self) -> list[Resource]:
        """The public resources that help close its gaps, each once."""
        return merged(requirement.help_resources for requirement in self.gaps.all())


class ActionNote(models.Model):
    """One line of an action's log: a progress note, a status change, a carry-over."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note d'avancement")
        STATUS = "status", _("Changement de statut")
        CARRIED = "carried", _("Reprise d'une campagne précédente")

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="notes", verbose_name=_("action")
    )
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("texte"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    # Kept as text too: the log still names the person if the account is deleted.
    author_label = models.CharField(_("auteur (texte)"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note d'avancement")
        verbose_name_plural = _("notes d'avancement")

    def __str__(self) -> str:
        return f"{self.action_id}: {self.text[:60]}"


class PlanOrder(models.Model):
    """When the establishment last reordered its plan by hand (absent: the rule's order)."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="plan_order"
    )
    reordered_at = models.DateTimeField(_("ordre modifié le"))
    reordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordre modifié par"),
    )

    class Meta:
        verbose_name = _("ordre du plan d'actions")
        verbose_name_plural = _("ordres des plans d'actions")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.reordered_at:%Y-%m-%d}"


class TargetPlanQuerySet(EstablishmentScopedQuerySet):
    """The target plans of the assessments a person may see (`for_user`)."""

    establishment_path = "assessment__establishment__"

    def agreed(self) -> TargetPlanQuerySet:
        return self.filter(status=TargetPlan.Status.AGREED)


class TargetPlan(models.Model):
    """The establishment's plan for one CaRE target it does not meet, and the ARS's answer."""

    class Status(models.TextChoices):
        FILED = "filed", _("Plan déposé auprès de l'ARS")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées par l'ARS")
        AGREED = "agreed", _("Plan agréé")
        # An action of the agreed plan changed or was abandoned: the ARS agrees it again.
        TO_REAGREE = "to_reagree", _("Plan à ré-agréer par l'ARS")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="target_plans",
        verbose_name=_("auto-évaluation"),
    )
    target = models.CharField(_("cible"), max_length=40)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices)
    # The actions of the plan as filed: the ARS agrees to these.
    actions = models.ManyToManyField(Action, related_name="target_plans", blank=True)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    objects = TargetPlanQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "target"]
        verbose_name = _("plan pour une cible")
        verbose_name_plural = _("plans pour une cible")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "target"], name="one_plan_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.target} ({self.status})"


class TargetPlanStep(models.Model):
    """One move of a target plan: filed, agreed, changes asked (who, when, why)."""

    class Step(models.TextChoices):
        FILE = "file", _("Dépôt du plan")
        AGREE = "agree", _("Agrément de l'ARS")
        ASK_CHANGES = "ask_changes", _("Demande de modifications")
        REOPEN = "reopen", _("Action modifiée : plan à ré-agréer")

    plan = models.ForeignKey(
        TargetPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("plan")
    )
    step = models.CharField(_("étape"), max_length=12, choices=Step.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_label = models.CharField(_("auteur (texte)"), max_length=254, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("étape d'un plan pour une cible")
        verbose_name_plural = _("étapes des plans pour une cible")

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.step}"
