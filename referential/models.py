"""The CaRE referential as versioned data: versions, axes, objectives, requirements."""

from __future__ import annotations

import rules
from django.db import models
from django.utils.translation import gettext_lazy as _

from referential.describe import describe_condition, describe_rule, describe_target
from referential.headlines import Headline
from referential.resources import Resource


class AnswerType(models.TextChoices):
    BOOLEAN = "boolean", _("Oui / non")
    TRISTATE = "tristate", _("Oui / partiellement / non")
    RATIO_AT_LEAST = "ratio_at_least", _("Deux montants (ratio)")
    PERCENT_AT_LEAST = "percent_at_least", _("Pourcentage")
    WITHIN_DAYS = "within_days", _("Date")
    DATE = "date", _("Date à venir (échéance)")
    LEVEL = "level", _("Niveau")
    PERSON_NAMED = "person_named", _("Personne nommée")


class Domain(models.TextChoices):
    """The technical domains of version 1, numbered as the action plan numbers them.

    From version 2 on, a version names its own domains (its ``domains`` section), as the funding
    calls name them.
    """

    D1 = "D1", _("Domaine 1 — exposition internet et annuaires")
    D2 = "D2", _("Domaine 2 — postes de travail et détection")
    D3 = "D3", _("Domaine 3 — accès de télémaintenance")
    D4 = "D4", _("Domaine 4 — continuité et sauvegardes")


class Source(models.TextChoices):
    """Where a requirement (or one of its thresholds) comes from."""

    PLAN = "plan", _("Cible du plan CaRE")
    FUNDING_CALL = "funding_call", _("Objectif d'un appel à financement")
    PORTAL = "portal", _("Recommandation du portail")


class AnsweredBy(models.TextChoices):
    """Who gives the answer: the establishment (its RSSI), or the ARS for it (CPOM, 2-2)."""

    ESTABLISHMENT = "establishment", _("L'établissement")
    ARS = "ars", _("L'ARS, pour l'établissement")


class AnsweredAt(models.TextChoices):
    """Where an answer is given once for several sites (blank: on each site's assessment)."""

    EJ = "EJ", _("Une fois par entité juridique (FINESS EJ)")


class TargetUnit(models.TextChoices):
    """What a headline target counts (care-targets.md); ``candidates:<call>`` is built apart."""

    ET = "ET", _("établissements (FINESS ET)")
    EJ = "EJ", _("entités juridiques (FINESS EJ)")
    PMSI = "PMSI", _("unités PMSI (EJ public, ET privé)")
    OG = "OG", _("organismes gestionnaires")
    GHT = "GHT", _("GHT")


CANDIDATES_UNIT = "candidates:"


def source_badge(source: str, source_ref: str) -> str:
    """How an item's origin reads on every page: "Cible CaRE 3-3", "Appel D2 — O1.C"..."""
    if source == Source.PLAN:
        return _("Cible CaRE %(ref)s") % {"ref": source_ref} if source_ref else _("Cible CaRE")
    if source == Source.FUNDING_CALL:
        call, _sep, objective = source_ref.partition(":")
        if objective:
            return _("Appel %(call)s — %(objective)s") % {"call": call, "objective": objective}
        return _("Appel %(call)s") % {"call": call}
    if source == Source.PORTAL:
        return str(Source.PORTAL.label)
    return ""


class ReferentialVersionQuerySet(models.QuerySet):
    def published(self) -> ReferentialVersionQuerySet:
        return self.filter(status=ReferentialVersion.Status.PUBLISHED)

    def for_user(self, user) -> ReferentialVersionQuerySet:
        """Published versions for everyone signed in; drafts too for the national level."""
        if not user.is_authenticated:
            return self.none()
        if rules.has_perm("referential.view_drafts", user):
            return self.all()
        return self.published()

    def newest_first(self) -> ReferentialVersionQuerySet:
        """Published before drafts, then the latest version of each code first."""
        return self.annotate(
            is_draft=models.Case(
                models.When(status="draft", then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        ).order_by("is_draft", "code", "-version")

    def with_content(self) -> ReferentialVersionQuerySet:
        """Axes, objectives and requirements prefetched in order (three more queries)."""
        requirements = models.Prefetch(
            "requirements", queryset=Requirement.objects.order_by("order", "pk")
        )
        objectives = models.Prefetch(
            "objectives",
            queryset=Objective.objects.order_by("number").prefetch_related(requirements),
        )
        axes = models.Prefetch(
            "axes", queryset=Axis.objects.order_by("number").prefetch_related(objectives)
        )
        return self.prefetch_related(axes)


class ReferentialVersion(models.Model):
    """One version of a referential; immutable once a campaign uses it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")

    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=255)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The version's other sections, as loaded and checked from its YAML (dates as YYYY-MM-DD).
    # Version 1 has none of them. See docs/referential.md.
    domains = models.JSONField(_("domaines techniques"), default=list, blank=True)
    headline_targets = models.JSONField(_("cibles phares"), default=list, blank=True)
    milestones = models.JSONField(_("jalons nationaux et régionaux"), default=list, blank=True)
    code_map = models.JSONField(
        _("correspondance avec la version précédente"), default=dict, blank=True
    )
    consistency_rules = models.JSONField(_("règles de cohérence"), default=list, blank=True)
    # The action plan's priority rule (referential.priorities); empty: the gaps' order alone.
    priority_rule = models.JSONField(_("règle de priorité"), default=dict, blank=True)
    # Correspondences with other frameworks (ReCyF, ISO/IEC 27001, HDS): see referential.mappings.
    mappings = models.JSONField(
        _("correspondances avec d'autres référentiels"), default=list, blank=True
    )
    resources = models.JSONField(_("ressources d'aide"), default=list, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = ReferentialVersionQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("version du référentiel")
        verbose_name_plural = _("versions du référentiel")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="referential_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} — {self.title}"

    @property
    def label(self) -> str:
        return f"{self.code}:{self.version}"

    @property
    def is_used(self) -> bool:
        """A campaign uses this version: it must never change again."""
        return self.campaigns.exists()

    @property
    def is_frozen(self) -> bool:
        """Published or used: read-only everywhere (a change is a new version)."""
        return self.status == self.Status.PUBLISHED or self.is_used

    def domain_choices(self) -> list[tuple[str, str]]:
        """(code, title) of the version's technical domains: its own, or version 1's."""
        if self.domains:
            return [(domain["code"], domain["title"]) for domain in self.domains]
        return list(Domain.choices)

    def targets_fed_by(self, code: str) -> list[dict]:
        """The headline targets a requirement feeds."""
        return [target for target in self.headline_targets if code in target["requirements"]]


class Axis(models.Model):
    referential = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="axes"
    )
    code = models.CharField(_("code"), max_length=10)
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("titre"), max_length=255)

    class Meta:
        ordering = ["referential", "number"]
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        constraints = [
            models.UniqueConstraint(fields=["referential", "code"], name="axis_code_per_version")
        ]

    def __str__(self) -> str:
        return f"{_('Axe')} {self.number} — {self.title}"


class Objective(models.Model):
    referential = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="objectives"
    )
    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("code"), max_length=10)
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("titre"), max_length=500)
    national_only = models.BooleanField(
        _("concerne uniquement le niveau national"),
        default=False,
        help_text=_("Objectif porté par les instances nationales, sans exigence d'établissement."),
    )

    class Meta:
        ordering = ["referential", "number"]
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        constraints = [
            models.UniqueConstraint(
                fields=["referential", "code"], name="objective_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{_('Objectif')} {self.number} — {self.title}"


class Requirement(models.Model):
    """One item an establishment answers, with its scoring rule, weight, deadline and target."""

    referential = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="requirements"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(_("code"), max_length=40)
    label = models.TextField(_("intitulé"))
    help_text = models.TextField(_("éléments de preuve attendus"), blank=True)
    care_action = models.CharField(_("action CaRE"), max_length=20)
    applies_to = models.JSONField(_("s'applique à"), default=list)
    answer_type = models.CharField(_("type de réponse"), max_length=20, choices=AnswerType.choices)
    rule = models.JSONField(_("règle de notation"), default=dict)
    weight = models.FloatField(_("poids"))
    deadline = models.DateField(_("échéance"), null=True, blank=True)
    deadline_label = models.CharField(_("échéance (libellé)"), max_length=40, blank=True)
    national_target_share = models.FloatField(_("cible nationale (%)"), null=True, blank=True)
    national_target_population = models.CharField(
        _("population de la cible nationale"), max_length=255, blank=True
    )
    # A code of the version's domains (version 1: the plan's D1..D4, see Domain).
    domain = models.CharField(_("domaine technique"), max_length=20, blank=True)
    # The domain's title as the version names it, kept beside the code when loading.
    domain_title = models.CharField(_("intitulé du domaine"), max_length=255, blank=True)
    funding_call = models.CharField(_("appel à financement"), max_length=255, blank=True)
    not_applicable_allowed = models.BooleanField(_("« non applicable » autorisé"), default=False)
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    headline = models.CharField(
        _("cible phare"), max_length=20, choices=Headline.choices, blank=True
    )
    prerequisite = models.BooleanField(_("prérequis du domaine"), default=False)
    condition = models.JSONField(_("condition d'affichage"), null=True, blank=True)
    recommendation = models.TextField(_("recommandation"), blank=True)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=Source.choices,
        blank=True,
        help_text=_("Vide en version 1, qui ne la précise pas."),
    )
    source_ref = models.CharField(
        _("référence de la source"),
        max_length=40,
        blank=True,
        help_text=_("Action du plan (« 3-3 ») ou appel et objectif (« D2:O1.C »)."),
    )
    also_feeds = models.JSONField(_("alimente aussi"), default=list, blank=True)
    threshold_source = models.CharField(
        _("source du seuil"), max_length=20, choices=Source.choices, blank=True
    )
    answered_by = models.CharField(
        _("renseigné par"),
        max_length=20,
        choices=AnsweredBy.choices,
        default=AnsweredBy.ESTABLISHMENT,
    )
    reason_required_for_na = models.BooleanField(
        _("motif exigé pour « non applicable »"), default=False
    )
    answered_at = models.CharField(
        _("renseigné une seule fois pour"),
        max_length=2,
        choices=AnsweredAt.choices,
        blank=True,
        help_text=_("EJ : une réponse pour l'entité juridique, affichée sur chacun de ses sites."),
    )
    # The requirement whose date answer is this one's due date (HAS: the next certification visit).
    due_date_from = models.CharField(
        _("échéance donnée par"),
        max_length=40,
        blank=True,
        help_text=_("Code de l'exigence (réponse de type date) qui donne l'échéance de celle-ci."),
    )
    # The resources it cites, each as the version's ``resources`` section gives it.
    resources = models.JSONField(_("ressources d'aide"), default=list, blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["referential", "order"]
        verbose_name = _("exigence")
        verbose_name_plural = _("exigences")
        constraints = [
            models.UniqueConstraint(
                fields=["referential", "code"], name="requirement_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label[:80]}"

    @property
    def rule_description(self) -> str:
        return describe_rule(self.rule)

    @property
    def condition_description(self) -> str:
        return describe_condition(self.condition)

    @property
    def national_target(self) -> str:
        """E.g. "70 % des établissements"; empty when the plan sets none."""
        return describe_target(self.national_target_share, self.national_target_population)

    def get_domain_display(self) -> str:
        """The domain's title as the requirement's version names it."""
        return self.domain_title or dict(Domain.choices).get(self.domain, self.domain)

    @property
    def source_badge(self) -> str:
        """ "Cible CaRE 3-3", "Appel D2 — O1.C", "Recommandation du portail", or "" (version 1)."""
        return source_badge(self.source, self.source_ref)

    @property
    def help_resources(self) -> list[Resource]:
        """The public resources that help meet it (none in version 1)."""
        return [Resource.of(data) for data in self.resources or ()]

    @property
    def asked_of_establishment(self) -> bool:
        """The establishment answers it (an item the ARS records for it is never its gap)."""
        return self.answered_by == AnsweredBy.ESTABLISHMENT

    @property
    def is_ej_level(self) -> bool:
        """Answered once per legal entity, on the assessment of the site that holds it
        (see ``assessments.ej_level``), and shown on each of its sites."""
        return self.answered_at == AnsweredAt.EJ

    @property
    def is_ght_level(self) -> bool:
        """Answered once per GHT, by its lead, on the support establishment's assessment."""
        return list(self.applies_to) == ["GHT"]
