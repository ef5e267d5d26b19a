"""The detail of an audit event in words: French labels for its keys and for coded values.

Events store their detail as plain JSON (keys in English, values as codes) so that it stays
stable; this module only decides how the audit log page shows it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KEY_LABELS = {
    "answers": _("réponses"),
    "assessment": _("auto-évaluation n°"),
    "carried": _("réponses reprises"),
    "change": _("changement"),
    "comment": _("commentaire"),
    "count": _("nombre"),
    "created": _("créés"),
    "existing": _("existants"),
    "expires_at": _("expire le"),
    "file": _("fichier"),
    "filters": _("filtres"),
    "format": _("format"),
    "from": _("ancien statut"),
    "ghts": _("GHT"),
    "is_active": _("compte actif"),
    "is_staff": _("accès à l’administration"),
    "is_superuser": _("super-administrateur"),
    "kind": _("type"),
    "list": _("liste"),
    "members": _("membres"),
    "name": _("nom"),
    "not_carried": _("non reprises (motif)"),
    "outcome": _("résultat"),
    "previous_referential": _("référentiel d’origine"),
    "previous_year": _("reprises de la campagne"),
    "reason": _("motif"),
    "referential": _("référentiel"),
    "region": _("région"),
    "relaunch": _("relance n°"),
    "replaces": _("jetons remplacés"),
    "report": _("rapport"),
    "requirement": _("exigence"),
    "role": _("rôle"),
    "scope": _("périmètre"),
    "selection": _("sélection"),
    "skipped_category": _("ignorés (catégorie)"),
    "skipped_no_ars": _("ignorés (sans ARS)"),
    "source": _("origine"),
    "status": _("statut"),
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


def _text(value) -> str:
    if value is True:
        return str(_("oui"))
    if value is False:
        return str(_("non"))
    if isinstance(value, dict):
        return ", ".join(f"{key} = {_text(item)}" for key, item in value.items()) or "—"
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
        label = KEY_LABELS.get(key, key)
        known = values.get(key, {})
        shown = known.get(value, value) if isinstance(value, str) else value
        if key == "format" and isinstance(value, str):
            shown = value.upper()
        lines.append((str(label), _text(shown)))
    return lines
