"""What the OpenAPI schema says of errors, for every endpoint alike.

Views declare the errors particular to them (a 409 on a stale version, a 400 listing bad
answers); `document_errors` adds those that any endpoint may answer: 401 without valid
credentials, 403 when the caller may not, 404 for objects outside the caller's scope (and pages
past the end of a list), 400 for bad filters or bodies, 413 for bodies too large, 429 when
throttled. It also states that filters take no empty value (the API answers 400).
"""

from __future__ import annotations

# {"detail": "…"}: the message, in French.
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", …], …} or {"detail": "…", …}: one entry per field in error.
VALIDATION_ERROR = {"type": "object", "additionalProperties": True}

_COMMON = {
    "401": "Identifiants absents ou refusés (jeton inconnu, expiré ou révoqué).",
    "403": "Accès refusé : jeton personnel d'un compte tenu à la double authentification, "
    "jeton de service en lecture seule pour une écriture, ou rôle sans ce droit.",
    "429": "Trop de requêtes : réessayez après le délai indiqué (en-tête Retry-After).",
}
_BAD_REQUEST = "Filtre ou corps de requête invalide (un message par champ)."
_NOT_FOUND = "Objet inconnu ou hors du périmètre de l'appelant, ou page au-delà de la liste."
_TOO_LARGE = "Corps de la requête trop volumineux."


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: the errors every operation may answer."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            for status, description in _COMMON.items():
                responses.setdefault(status, _response(description, ERROR))
            in_path = any(p.get("in") == "path" for p in parameters)
            query = [p for p in parameters if p.get("in") == "query"]
            if in_path or any(p["name"] == "page" for p in query):
                responses.setdefault("404", _response(_NOT_FOUND, ERROR))
            has_body = "requestBody" in operation
            if has_body or any(p["name"] != "page" for p in query):
                responses.setdefault("400", _response(_BAD_REQUEST, VALIDATION_ERROR))
            if has_body:
                responses.setdefault("413", _response(_TOO_LARGE, ERROR))
            for parameter in query:
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and "enum" not in schema:
                    schema.setdefault("minLength", 1)
                if parameter["name"] != "page":
                    parameter.setdefault(
                        "description", "Filtre ; une valeur vide est refusée (400)."
                    )
    return result
