"""The detail of an audit event in words: French labels for its keys and for coded values.

Events store their detail as plain JSON (keys in English, values as codes) so that it stays
stable; this module only decides how the audit log page shows it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KEY_LABELS = {
    "about": _("liste filtrée"),
    "action": _("action"),
    "actions": _("actions"),
    "affected": _("exigences concernées"),
    "after": _("après"),
    "amount_eur": _("montant (€)"),
    "amount_requested_eur": _("montant demandé (€)"),
    "answers": _("réponses"),
    "applicant": _("porteur"),
    "assessment": _("auto-évaluation n°"),
    "before": _("avant"),
    "call": _("appel à financement"),
    "carried": _("réponses reprises"),
    "change": _("changement"),
    "comment": _("commentaire"),
    "count": _("nombre"),
    "created": _("créés"),
    "degraded_care": _("soins en mode dégradé"),
    "exception_for": _("dérogation pour"),
    "existing": _("existants"),
    "expires_at": _("expire le"),
    "file": _("fichier"),
    "filters": _("filtres"),
    "forced": _("passage forcé"),
    "format": _("format"),
    "from": _("ancien statut"),
    "ghts": _("GHT"),
    "is_active": _("compte actif"),
    "is_ose": _("désignation OSE"),
    "is_staff": _("accès à l’administration"),
    "is_superuser": _("super-administrateur"),
    "kind": _("type"),
    "list": _("liste"),
    "members": _("membres"),
    "name": _("nom"),
    "nis2_status": _("statut NIS2"),
    "not_carried": _("non reprises (motif)"),
    "origin": _("origine du statut"),
    "outcome": _("résultat"),
    "previous_referential": _("référentiel d’origine"),
    "previous_year": _("reprises de la campagne"),
    "reason": _("motif"),
    "referential": _("référentiel"),
    "region": _("région"),
    "relaunch": _("relance n°"),
    "reopening": _("réouverture"),
    "replaces": _("jetons remplacés"),
    "report": _("rapport"),
    "reported_on": _("déclaré le"),
    "requirement": _("exigence"),
    "role": _("rôle"),
    "scope": _("périmètre"),
    "selection": _("sélection"),
    "skipped_category": _("ignorés (catégorie)"),
    "skipped_no_ars": _("ignorés (sans ARS)"),
    "source": _("origine"),
    "status": _("statut"),
    "target": _("cible"),
    "title": _("titre"),
    "to": _("nouveau statut"),
    "to_reread": _("reprises à relire"),
    "token": _("jeton (début)"),
    "unchanged": _("inchangés"),
    "unknown_account": _("compte inconnu"),
    "updated": _("mis à jour"),
    "write": _("écriture autorisée"),
    "year": _("campagne"),
}

_CHANGES = {
    "granted": _("rôle attribué"),
    "revoked": _("rôle retiré"),
    "changed": _("rôle modifié"),
    "account_rights": _("droits du compte"),
}
_SOURCES = {
    "grant": _("commande d’attribution"),
    "admin": _("administration"),
    "service_token": _("commande des jetons de service"),
}
_REPORTS = {"gaps": _("rapport d’écarts")}
_LISTS = {
    "establishments": _("établissements"),
    "regions": _("régions"),
    "departments": _("départements"),
    "ghts": _("GHT"),
    "kinds": _("types d’établissement"),
    "legal_statuses": _("statuts juridiques"),
}
_SELECTIONS = {"filters": _("filtres du tableau de bord"), "ticked": _("établissements cochés")}
_OUTCOMES = {"created": _("créé"), "updated": _("mis à jour"), "unchanged": _("inchangé")}
_FILES = {"finess": _("extraction FINESS"), "ght": _("fichier des GHT")}


def _value_labels() -> dict[str, dict]:
    # Read from the app registry, not imported: the audit app sits below the apps whose events
    # it records.
    from django.apps import apps

    ServiceToken = apps.get_model("accounts", "ServiceToken")
    Assessment = apps.get_model("assessments", "Assessment")
    CrisisExercise = apps.get_model("assessments", "CrisisExercise")
    Evidence = apps.get_model("assessments", "Evidence")
    ReferentialVersion = apps.get_model("referential", "ReferentialVersion")
    from establishments.models import Role

    statuses = {**dict(ReferentialVersion.Status.choices), **dict(Assessment.Status.choices)}
    return {
        "change": _CHANGES,
        "file": _FILES,
        "from": dict(Assessment.Status.choices),
        "kind": {**dict(Evidence.Kind.choices), **dict(CrisisExercise.Kind.choices)},
        "list": _LISTS,
        "outcome": _OUTCOMES,
        "reason": dict(ServiceToken.RevokedBecause.choices),
        "report": _REPORTS,
        "role": dict(Role.choices),
        "selection": _SELECTIONS,
        "source": _SOURCES,
        "status": statuses,
        "to": dict(Assessment.Status.choices),
    }


def _text(value, *, keys_as_stored: bool = False) -> str:
    if value is True or value == "True":
        return str(_("oui"))
    if value is False or value == "False":
        return str(_("non"))
    if isinstance(value, dict):
        return (
            ", ".join(
                f"{key if keys_as_stored else KEY_LABELS.get(key, key)} = {_text(item)}"
                for key, item in value.items()
            )
            or "—"
        )
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value) or "—"
    return str(value)


def detail_lines(detail: dict | None) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's detail, in its stored order, in French."""
    if not detail:
        return []
    values = _value_labels()
    lines = []
    for key, value in detail.items():
        if key == "filters" and detail.get("about"):
            continue  # the same filters, said in words under « about »
        label = KEY_LABELS.get(key, key)
        known = values.get(key, {})
        shown = known.get(value, value) if isinstance(value, str) else value
        if key == "format" and isinstance(value, str):
            shown = value.upper()
        # The dashboard's filters are its parameters, shown as stored (or in words, « about »).
        lines.append((str(label), _text(shown, keys_as_stored=key == "filters")))
    return lines
