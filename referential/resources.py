"""The public resources that help close a gap, read from a version's ``resources`` section.

Each resource is named by the sources of the referential (the plan names the DGOS plan blanc
guide, the national PCRA kit, the « tous cybervigilants » kit, the catalogue of cyber offers):

- ``title``, ``publisher``, ``cited_in`` (the plan action that names it, or null);
- ``url``: an https address, only when a source gives it, with ``url_kind`` saying what it is:
  ``document`` (the resource itself) or ``publisher_site`` (the publisher's site, derived from
  an address a source gives); null when the sources give no address.

Requirements cite resources by code (``resources: [code, ...]``); at loading, each citation is
resolved into the resource itself, stored on the requirement. A version without the section
(version 1) has no resource and its items cite none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referential.fields import Fields

RESOURCE_KEYS = {"code", "title", "publisher", "cited_in", "url", "url_kind", "note"}
DOCUMENT = "document"
PUBLISHER_SITE = "publisher_site"
URL_KINDS = (DOCUMENT, PUBLISHER_SITE)
RESOURCE_CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# What the pages say of an address that is not the resource itself, or of a missing one.
PUBLISHER_SITE_LABEL = gettext_lazy("site de l'éditeur")
NO_ADDRESS_LABEL = gettext_lazy("adresse non fournie par les sources du référentiel")


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


def _where(ident: Any, line: int | None) -> str:
    where = _("Ressource « %(ident)s »") % {"ident": ident}
    return f"{where} ({_('ligne')} {line})" if line else where


def is_https_address(value: str) -> bool:
    """An absolute https address with a host and no blank."""
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and not re.search(r"\s", value)


def parse_resources(raw: Any, *, plan_action: re.Pattern, errors: list[str]) -> list[dict]:
    """The checked ``resources`` section, as stored on the version (errors give the line)."""
    if not isinstance(raw, list) or not raw:
        errors.append(
            _("Section « resources » (ligne %(line)s) : doit être une liste non vide.")
            % {"line": _line(raw) or "?"}
        )
        return []
    resources: list[dict] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw, 1):
        ident = item.get("code", index) if isinstance(item, Mapping) else index
        where = _where(ident, _line(item))
        if not isinstance(item, Mapping):
            errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            continue
        fields = Fields(item, where, errors)
        fields.unknown_keys(RESOURCE_KEYS)
        code = fields.text("code", max_length=40)
        if code and not RESOURCE_CODE.match(code):
            fields.error(_("le code s'écrit en minuscules, chiffres et tirets (ex. kit-pcra)."))
        if code in seen:
            fields.error(
                _("code de ressource en double (déjà : %(where)s).") % {"where": seen[code]}
            )
        cited_in = fields.text("cited_in", required=False, max_length=20)
        if cited_in and not plan_action.match(cited_in):
            fields.error(
                _("« cited_in » nomme une action du plan (ex. 3-1), reçu « %(value)s ».")
                % {"value": cited_in}
            )
        url = fields.text("url", required=False, max_length=500)
        if url and not is_https_address(url):
            fields.error(
                _("l'adresse « %(url)s » doit être une adresse https:// complète.") % {"url": url}
            )
        url_kind = fields.choice("url_kind", URL_KINDS, label=_("« url_kind »"))
        if url and not url_kind:
            fields.error(
                _(
                    "« url_kind » dit ce qu'est l'adresse : document (la ressource elle-même) ou "
                    "publisher_site (le site de l'éditeur)."
                )
            )
        if not url and url_kind:
            fields.error(_("« url_kind » sans adresse : indiquez « url » ou retirez « url_kind »."))
        resource = {
            "code": code,
            "title": fields.text("title", max_length=255),
            "publisher": fields.text("publisher", max_length=120),
            "cited_in": cited_in or None,
            "url": url or None,
            "url_kind": url_kind or None,
            "note": fields.text("note", required=False),
        }
        if code and code not in seen:
            seen[code] = where
        resources.append(resource)
    return resources


def resolve_citations(
    citations: Mapping[str, tuple[list[str], str]],
    resources: list[dict],
    *,
    errors: list[str],
) -> dict[str, list[dict]]:
    """{requirement code: the resources it cites}; an unknown code is an error at its line.

    ``citations``: {requirement code: (the codes it cites, where the requirement is)}.
    """
    by_code = {resource["code"]: resource for resource in resources}
    resolved: dict[str, list[dict]] = {}
    for requirement, (codes, where) in citations.items():
        cited = []
        for code in codes:
            resource = by_code.get(code)
            if resource is None:
                errors.append(
                    _(
                        "%(where)s : ressource inconnue « %(code)s » (absente de la section "
                        "« resources »)."
                    )
                    % {"where": where, "code": code}
                )
            elif resource not in cited:
                cited.append(resource)
        resolved[requirement] = cited
    return resolved


def merged(groups) -> list[Resource]:
    """The resources of several items, each once, in the order first met."""
    seen: dict[str, Resource] = {}
    for resources in groups:
        for resource in resources:
            seen.setdefault(resource.code, resource)
    return list(seen.values())


@dataclass(frozen=True)
class Resource:
    """One resource as the pages, the PDF and the API show it."""

    code: str
    title: str
    publisher: str
    cited_in: str | None = None
    url: str | None = None
    url_kind: str | None = None
    note: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Resource:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})

    @property
    def is_publisher_site(self) -> bool:
        return self.url_kind == PUBLISHER_SITE

    @property
    def address_label(self) -> str:
        """What is said beside the address: blank for the document itself."""
        if not self.url:
            return str(NO_ADDRESS_LABEL)
        return str(PUBLISHER_SITE_LABEL) if self.is_publisher_site else ""

    @property
    def cited_label(self) -> str:
        if not self.cited_in:
            return ""
        return _("cité par l'action %(action)s du plan CaRE") % {"action": self.cited_in}

    @property
    def text(self) -> str:
        """The resource in one line, its address written out (the PDF prints it as text)."""
        text = f"{self.title} — {self.publisher}"
        if self.cited_in:
            text += f" ({self.cited_label})"
        if not self.url:
            return f"{text} : {NO_ADDRESS_LABEL}"
        if self.is_publisher_site:
            return f"{text} : {PUBLISHER_SITE_LABEL}, {self.url}"
        return f"{text} : {self.url}"

    def as_api(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "publisher": self.publisher,
            "cited_in": self.cited_in,
            "url": self.url,
            "url_kind": self.url_kind,
        }
