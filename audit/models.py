"""The audit log: who did what, when, from where, on which establishment."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from establishments.models import Establishment, Region, in_scope


class Action(models.TextChoices):
    SIGN_IN = "sign_in", _("Connexion")
    SIGN_IN_FAILED = "sign_in_failed", _("Échec de connexion")
    SIGN_OUT = "sign_out", _("Déconnexion")
    LOCKOUT = "lockout", _("Compte bloqué après des échecs répétés")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _("Double authentification activée")
    TWO_FACTOR_DISABLED = "two_factor_disabled", _("Double authentification désactivée")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Code de double authentification refusé")
    RECOVERY_CODES = "recovery_codes", _("Codes de secours régénérés")
    SUBMISSION = "submission", _("Transmission d'une auto-évaluation")
    VALIDATION = "validation", _("Validation d'une auto-évaluation")
    SEND_BACK = "send_back", _("Renvoi d'une auto-évaluation")
    REOPENING = "reopening", _("Réouverture d'une auto-évaluation")
    ANSWERS_IMPORT = "answers_import", _("Import de réponses")
    ARS_ANSWER = "ars_answer", _("Exigence renseignée par l'ARS")
    EVIDENCE_UPLOAD = "evidence_upload", _("Dépôt d'une preuve")
    EVIDENCE_DELETE = "evidence_delete", _("Suppression d'une preuve")
    EXPORT = "export", _("Export")
    RELAUNCH = "relaunch", _("Relance d'établissements")
    ROLE_CHANGE = "role_change", _("Changement de rôle")
    REGISTRY_IMPORT = "registry_import", _("Import du registre (FINESS, GHT)")
    REFERENTIAL_LOAD = "referential_load", _("Chargement du référentiel")
    CAMPAIGN_OPEN = "campaign_open", _("Ouverture de campagne")
    CARRY_OVER = "carry_over", _("Reprise des réponses d'une campagne précédente")
    SERVICE_TOKEN_CREATED = "service_token_created", _("Jeton de service créé")
    SERVICE_TOKEN_RENEWED = "service_token_renewed", _("Jeton de service renouvelé")
    SERVICE_TOKEN_REVOKED = "service_token_revoked", _("Jeton de service révoqué")
    ACTION_PLAN_CHANGE = "action_plan_change", _("Modification d'un plan d'actions")
    TARGET_PLAN_FILED = "target_plan_filed", _("Dépôt d'un plan pour une cible")
    TARGET_PLAN_AGREED = "target_plan_agreed", _("Agrément d'un plan pour une cible")
    TARGET_PLAN_CHANGES = "target_plan_changes", _("Modifications demandées sur un plan")
    FUNDING_CANDIDACY = "funding_candidacy", _("Candidature à un appel à financement")
    REGULATORY_STATUS = "regulatory_status", _("Statut réglementaire (NIS2, OSE) fixé")
    INCIDENT_REPORT = "incident_report", _("Incident déclaré enregistré")
    INCIDENT_REOPEN = "incident_reopen", _("Réouverture proposée après incident confirmée")


class AuditEventQuerySet(models.QuerySet):
    def for_user(self, user) -> AuditEventQuerySet:
        """National users read everything; an ARS reads its region; nobody else reads the log."""
        return in_scope(self, user, region=("region_id", "establishment__region_id"))


class AuditEvent(models.Model):
    """One security-relevant act. Rows are only ever added, never changed."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    # Kept as text too: the account may be deleted later, or not exist (a failed sign-in).
    actor_label = models.CharField(_("auteur (texte)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    target = models.CharField(_("objet"), max_length=255, blank=True)
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("région"),
    )
    detail = models.JSONField(_("détail"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        indexes = [models.Index(fields=["region", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
