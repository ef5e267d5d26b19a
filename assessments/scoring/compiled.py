"""A referential version as the scoring model sees it, built once per version and kept in memory.

A version that a campaign uses never changes, so its compiled form is cached per process. Each
entry carries the version's token from the shared cache (Redis when CARE_CACHE_URL is set):
edits to a version's requirements, objectives or axes (loading a draft again, the admin,
publishing) give it a new token, see ``forget_referential``, and every process that holds the old
one builds it again on its next use.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from assessments.scoring.model import RequirementSpec, ScoringModel

if TYPE_CHECKING:
    from referential.models import Requirement


@dataclass(frozen=True)
class CompiledReferential:
    """The scoring model of one referential version and the lookups that go with it."""

    referential_id: int
    model: ScoringModel
    code_by_id: dict[int, str]
    id_by_code: dict[str, int]
    # Requirements answered once per GHT, on the support establishment's assessment.
    ght_level_codes: frozenset[str]
    # Requirements answered once per legal entity, on the holding site's assessment.
    ej_level_codes: frozenset[str] = frozenset()
    # Requirements whose "not applicable" needs the RSSI's reason.
    na_reason_codes: frozenset[str] = frozenset()
    # {requirement code: the public resources it cites, as stored} (none in version 1).
    resources: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @property
    def specs(self) -> tuple[RequirementSpec, ...]:
        return self.model.specs

    @property
    def ght_level_ids(self) -> list[int]:
        return [self.id_by_code[code] for code in self.ght_level_codes]

    @property
    def ej_level_ids(self) -> dict[int, str]:
        return {self.id_by_code[code]: code for code in self.ej_level_codes}


def spec_of(requirement: Requirement) -> RequirementSpec:
    objective = requirement.objective
    return RequirementSpec(
        code=requirement.code,
        axis=objective.axis.code,
        objective=objective.code,
        weight=float(requirement.weight),
        rule=requirement.rule,
        applies_to=frozenset(requirement.applies_to),
        label=requirement.label,
        domain=requirement.domain or None,
        deadline=requirement.deadline,
        not_applicable_allowed=requirement.not_applicable_allowed,
        headline=requirement.headline or None,
        care_action=requirement.care_action,
        recommendation=requirement.recommendation,
        order=requirement.order,
        required=requirement.required,
        condition=requirement.condition or None,
        source=requirement.source,
        source_ref=requirement.source_ref,
        answered_by=requirement.answered_by,
        due_date_from=requirement.due_date_from or None,
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def specs_from_data(data: Mapping[str, Any]) -> list[RequirementSpec]:
    """The specs of a referential as read from its YAML file (axes -> objectives -> requirements)."""
    specs = []
    for axis in data.get("axes") or []:
        for objective in axis.get("objectives") or []:
            for item in objective.get("requirements") or []:
                specs.append(
                    RequirementSpec(
                        code=item["code"],
                        axis=str(axis["code"]),
                        objective=str(objective["code"]),
                        weight=float(item["weight"]),
                        rule=item["rule"],
                        applies_to=frozenset(item["applies_to"]),
                        label=item.get("label", ""),
                        domain=item.get("domain") or None,
                        deadline=_as_date(item.get("deadline")),
                        not_applicable_allowed=bool(item.get("not_applicable_allowed")),
                        headline=item.get("headline") or None,
                        care_action=str(item.get("care_action") or ""),
                        recommendation=item.get("recommendation", ""),
                        order=len(specs),
                        required=bool(item.get("required", True)),
                        condition=item.get("condition") or None,
                        source=str(item.get("source") or ""),
                        source_ref=str(item.get("source_ref") or ""),
                        answered_by=str(item.get("answered_by") or "establishment"),
                        due_date_from=item.get("due_date_from") or None,
                    )
                )
    return specs


def answer_codes(
    referential_id: int,
) -> tuple[frozenset[str], frozenset[str], dict[str, tuple[Mapping[str, Any], ...]]]:
    """The codes answered once per legal entity (``answered_at: EJ``), those whose "not
    applicable" needs a reason (``reason_required_for_na``), and the resources each cites."""
    from referential.models import AnsweredAt, Requirement

    rows = Requirement.objects.filter(referential_id=referential_id).values_list(
        "code", "answered_at", "reason_required_for_na", "resources"
    )
    rows = list(rows)
    return (
        frozenset(code for code, at, _reason, _cited in rows if at == AnsweredAt.EJ),
        frozenset(code for code, _at, reason, _cited in rows if reason),
        {code: tuple(cited) for code, _at, _reason, cited in rows if cited},
    )


def build_specs(referential_id: int) -> tuple[tuple[RequirementSpec, ...], dict[int, str]]:
    """The specs of a referential version in its order, and requirement id -> code."""
    # Imported here so that reading a YAML file (specs_from_data) needs no configured database.
    from referential.models import Requirement

    requirements = (
        Requirement.objects.filter(referential_id=referential_id)
        .select_related("objective__axis")
        .order_by("order", "pk")
    )
    specs, code_by_id = [], {}
    for requirement in requirements:
        specs.append(spec_of(requirement))
        code_by_id[requirement.pk] = requirement.code
    return tuple(specs), code_by_id


logger = logging.getLogger(__name__)

# referential id -> (token it was built under, compiled form)
_cache: dict[int, tuple[str, CompiledReferential]] = {}
_lock = threading.Lock()
_ALL_KEY = "care:compiled-referential:all"


def _token_key(referential_id: int) -> str:
    return f"care:compiled-referential:{referential_id}"


# Within a request, each version's token is read from the shared cache once: the request
# works on one state of the referential, and asks the cache once rather than at every use.
# Outside requests (commands, task workers), every use asks.
_in_request = threading.local()


def _request_started(**_kwargs) -> None:
    # The tokens read, and the forms this request built under a token older than the process's
    # copy (kept for the rest of the request, never in place of that copy).
    _in_request.tokens, _in_request.own = {}, {}


def _request_finished(**_kwargs) -> None:
    _in_request.tokens = _in_request.own = None


request_started.connect(_request_started, dispatch_uid="compiled-referential-tokens")
request_finished.connect(_request_finished, dispatch_uid="compiled-referential-tokens")


def _shared_token(referential_id: int) -> tuple[str | None, bool]:
    """The version's token (both keys in one round trip, once per request; None if the cache
    is down), and whether it was read just now rather than earlier in this request."""
    tokens = getattr(_in_request, "tokens", None)
    if tokens is not None and referential_id in tokens:
        return tokens[referential_id], False
    token = _read_token(referential_id)
    if tokens is not None and token is not None:
        tokens[referential_id] = token
    return token, True


def _read_token(referential_id: int) -> str | None:
    keys = [_ALL_KEY, _token_key(referential_id)]
    try:
        found = cache.get_many(keys)
        if len(found) < len(keys):
            for key in keys:
                if key not in found:
                    cache.add(key, secrets.token_hex(8), timeout=None)
            found = cache.get_many(keys)
    except Exception:
        logger.warning("Shared cache unreachable: referential %s compiled afresh", referential_id)
        return None
    if len(found) < len(keys):
        return None
    return f"{found[_ALL_KEY]}:{found[keys[1]]}"


def compiled_referential(referential_id: int) -> CompiledReferential:
    """The compiled referential version (one query the first time, none after)."""
    token, current = _shared_token(referential_id)
    entry = _cache.get(referential_id)
    if entry is not None and token is not None and entry[0] == token:
        return entry[1]
    own = getattr(_in_request, "own", None) if not current else None
    if own is not None and (referential_id, token) in own:
        return own[(referential_id, token)]
    specs, code_by_id = build_specs(referential_id)
    model = ScoringModel(specs)
    ej_codes, na_reason_codes, resources = answer_codes(referential_id)
    compiled = CompiledReferential(
        referential_id=referential_id,
        model=model,
        code_by_id=code_by_id,
        id_by_code={code: pk for pk, code in code_by_id.items()},
        ght_level_codes=model.ght_level_codes,
        ej_level_codes=ej_codes,
        na_reason_codes=na_reason_codes,
        resources=resources,
    )
    # A request that read its token before another thread rebuilt the version keeps what it
    # builds to itself: the process's copy stays the one of the current token.
    if token is not None and current:
        with _lock:
            _cache[referential_id] = (token, compiled)
    elif own is not None:
        own[(referential_id, token)] = compiled
    return compiled


def _renew_token(referential_id: int | None) -> None:
    if getattr(_in_request, "tokens", None) is not None:
        # This request reads the new tokens from now on.
        _in_request.tokens, _in_request.own = {}, {}
    key = _ALL_KEY if referential_id is None else _token_key(referential_id)
    try:
        cache.set(key, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.exception("Shared cache unreachable: referential %s not marked as changed", key)


def forget_referential(referential_id: int | None = None) -> None:
    """Drop the compiled form of one referential version (or of all), in every process.

    The token changes now and again once the edit is committed: a process that builds the
    version from the database in between (without the edit) builds it again after the commit.
    """
    with _lock:
        if referential_id is None:
            _cache.clear()
        else:
            _cache.pop(referential_id, None)
    _renew_token(referential_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _renew_token(referential_id))


_beside: dict[tuple[int, str], tuple[CompiledReferential, Any]] = {}


def beside_compiled(referential_id: int, name: str, build: Callable[[], Any]) -> Any:
    """A value read from a referential version (``build()``), kept in this process as long as
    the version's compiled form: dropped with it when the referential changes."""
    compiled = compiled_referential(referential_id)
    entry = _beside.get((referential_id, name))
    if entry is None or entry[0] is not compiled:
        entry = (compiled, build())
        _beside[(referential_id, name)] = entry
    return entry[1]
