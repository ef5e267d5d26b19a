"""Counting each headline target over its own unit and population (care-targets.md).

The site rule, in SQL, on establishments annotated with their campaign assessment (``cur``):
:func:`site_met_q`, :func:`site_not_met_q`, :func:`site_unknown_q` (version 1: the snapshot's
headline flag; version 2: :meth:`referential.targets.HeadlineTarget.site_flag`, the statuses of
the feeding requirements; the self-assessment target: the submission status).

The sites concerned (:func:`population_q`) are those of the target's kinds and, for a
``candidates:<call>`` target, the candidates of the call (:func:`candidates`). They make up the
unit counted:

- ``ET``: each site is one unit;
- ``candidates:<call>``: each candidate site is one unit;
- ``EJ``: the legal entity (FINESS EJ) of the sites;
- ``OG``: the managing body of medico-social sites, i.e. their FINESS EJ;
- ``PMSI``: the legal entity of a public hospital, the site of a private one; a site whose
  legal status the registry does not give is counted apart ("statut inconnu", see
  :mod:`establishments.legal_status`), never guessed;
- ``GHT``: the GHT, met on its support establishment's assessment
  (:func:`ght_target_counts`).

A unit of several sites meets the target by :func:`legal_entity_meets`. Counting runs a fixed
number of grouped queries whatever the number of establishments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, FilteredRelation, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from assessments.models import Answer, Assessment, Campaign
from assessments.scoring.snapshot import status_lookup
from care_portal.formats import format_number
from establishments.legal_status import public_q, unknown_status_q
from establishments.models import Establishment
from referential.models import AnswerType, Source, TargetUnit
from referential.rules import MET, NOT_APPLICABLE, NOT_ASKED, NOT_MET, PARTIAL
from referential.targets import HeadlineTarget

SUBMITTED = (Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED)
# The units made of several sites, counted from `unit_rows`; the others count sites.
GROUPED_UNITS = (TargetUnit.EJ.value, TargetUnit.OG.value, TargetUnit.PMSI.value)


# --- One site ---------------------------------------------------------------------------------


def site_met_q(target: HeadlineTarget, prefix: str = "cur__") -> Q:
    """Sites (their campaign assessment reached through `prefix`) meeting the target."""
    if target.from_status:
        return Q(**{f"{prefix}status__in": SUBMITTED})
    if not target.from_section:
        return Q(**{f"{prefix}snapshot__{target.headline.snapshot_field}": True})
    q, any_met = Q(), Q()
    for code in target.requirements:
        status = status_lookup(code, prefix=f"{prefix}snapshot__")
        q &= (
            Q(**{status: MET})
            | Q(**{f"{status}__in": [NOT_ASKED, NOT_APPLICABLE]})
            | Q(**{f"{status}__isnull": True})
        )
        any_met |= Q(**{status: MET})
    return q & any_met


def site_not_met_q(target: HeadlineTarget, prefix: str = "cur__") -> Q:
    """Sites answering the target and not meeting it."""
    if target.from_status:
        return ~site_met_q(target, prefix)
    if not target.from_section:
        return Q(**{f"{prefix}snapshot__{target.headline.snapshot_field}": False})
    q = Q()
    for code in target.requirements:
        q |= Q(**{f"{status_lookup(code, prefix=f'{prefix}snapshot__')}__in": [PARTIAL, NOT_MET]})
    return q


def site_unknown_q(target: HeadlineTarget, prefix: str = "cur__") -> Q:
    """Sites whose answers do not say yet (never for the self-assessment target)."""
    if target.from_status:
        return Q(pk__in=[])
    if not target.from_section:
        return Q(**{f"{prefix}snapshot__{target.headline.snapshot_field}__isnull": True})
    return ~site_met_q(target, prefix) & ~site_not_met_q(target, prefix)


# --- Who is concerned -------------------------------------------------------------------------


# The registers of candidacies to funding calls: each is a function (call code, campaign) giving
# the candidate establishments (a queryset of their ids), or None when it records no candidacy to
# that call. The funding app registers its own (``funding.apps``): this app sits below it.
_CANDIDACY_REGISTERS: list[Callable[[str, Campaign], QuerySet | None]] = []


def register_candidacies(register: Callable[[str, Campaign], QuerySet | None]) -> None:
    if register not in _CANDIDACY_REGISTERS:
        _CANDIDACY_REGISTERS.append(register)


def candidacies_recorded(call_code: str, campaign: Campaign) -> bool:
    """Whether candidacies to the call are recorded for the campaign: which of its two ways
    :func:`candidates` counts (a query built once must be built again when this changes)."""
    return any(register(call_code, campaign) is not None for register in _CANDIDACY_REGISTERS)


def candidates(call_code: str, campaign: Campaign, scope: QuerySet) -> QuerySet:
    """The establishments of `scope` that are candidates to the funding call `call_code`.

    Every count of a ``candidates:<call>`` target goes through here. When the portal records
    candidacies to the call (the funding app's register, on the campaign's referential version),
    the candidates are the establishments they cover: every member of a GHT's candidacy, every
    site of a legal entity's. Otherwise (no candidacy recorded to that call, e.g. a campaign on
    version 1) they are those whose assessment of `campaign` answers "yes" to the call's
    candidacy question, the yes/no requirement whose source is the call itself (``source:
    funding_call``, ``source_ref: D1``, no objective).
    """
    for register in _CANDIDACY_REGISTERS:
        recorded = register(call_code, campaign)
        if recorded is not None:
            return scope.filter(pk__in=recorded)
    answers = Answer.objects.filter(
        assessment__campaign=campaign,
        requirement__source=Source.FUNDING_CALL,
        requirement__source_ref=call_code,
        requirement__answer_type=AnswerType.BOOLEAN,
        value=True,
    )
    return scope.filter(pk__in=answers.values("assessment__establishment_id"))


def population_q(target: HeadlineTarget, campaign: Campaign | None) -> Q:
    """The sites a target concerns: of its kinds, and candidates of its call if it names one."""
    q = Q(kind__in=target.kinds)
    call = target.call_code
    if call:
        if campaign is None:
            return Q(pk__in=[])
        q &= Q(pk__in=candidates(call, campaign, Establishment.objects.all()).values("pk"))
    return q


def legal_entity_meets(*, met_sites: int, not_met_sites: int) -> bool | None:
    """Whether a unit of several sites (an EJ, an OG, a public PMSI unit) meets a target, from
    its concerned sites: met when every site that answered meets it, not met as soon as one
    does not, unknown while none answered. The one place to change when an answer is given
    once for the legal entity."""
    if not_met_sites:
        return False
    if met_sites:
        return True
    return None


def unit_key(target: HeadlineTarget):
    """The expression naming the unit a site belongs to, for the grouped units."""
    if target.unit in (TargetUnit.EJ, TargetUnit.OG):
        return Concat(Value("EJ "), F("finess_ej"), output_field=CharField())
    if target.unit == TargetUnit.PMSI:
        return Case(
            When(public_q(), then=Concat(Value("EJ "), F("finess_ej"))),
            default=Concat(Value("ET "), F("finess")),
            output_field=CharField(),
        )
    raise ValueError(f"{target.unit} counts sites")


# --- Counting the grouped units ---------------------------------------------------------------


@dataclass(frozen=True)
class UnitCount:
    """A target's figure over one group: how many units it concerns and how many meet it;
    `apart`: the sites left out because the registry lacks their legal status."""

    population: int = 0
    met: int = 0
    apart: int = 0
    # Units not meeting it whose every site not meeting it has a plan the ARS agreed.
    agreed: int = 0


def unit_rows(
    base: QuerySet,
    targets: Sequence[HeadlineTarget],
    campaign: Campaign | None,
    group_by: Sequence[str],
    agreed_q: Callable[[HeadlineTarget], Q] | None = None,
) -> list[dict]:
    """Per unit and group (`group_by` fields of the sites): for each grouped-unit target, its
    concerned sites (``sites_<key>``), those meeting it and not (``met_``, ``not_met_``), those
    counted apart (``apart_``) and, given `agreed_q` (the sites with an agreed plan for a
    target), those not meeting it with an agreed plan (``agreed_``). One query per kind of unit
    key (EJ, PMSI)."""
    by_key: dict[str, list[HeadlineTarget]] = defaultdict(list)
    for target in targets:
        if target.unit in GROUPED_UNITS:
            by_key["pmsi" if target.unit == TargetUnit.PMSI else "ej"].append(target)
    rows: list[dict] = []
    for members in by_key.values():
        aggregates = {}
        for target in members:
            concerned = population_q(target, campaign)
            if target.unit == TargetUnit.PMSI:
                aggregates[f"apart_{target.key}"] = Count(
                    "pk", filter=concerned & unknown_status_q()
                )
                concerned &= ~unknown_status_q()
            aggregates[f"sites_{target.key}"] = Count("pk", filter=concerned)
            aggregates[f"met_{target.key}"] = Count("pk", filter=concerned & site_met_q(target))
            aggregates[f"not_met_{target.key}"] = Count(
                "pk", filter=concerned & site_not_met_q(target)
            )
            if agreed_q is not None:
                aggregates[f"agreed_{target.key}"] = Count(
                    "pk", filter=concerned & site_not_met_q(target) & agreed_q(target)
                )
        kinds = sorted({kind for target in members for kind in target.kinds})
        rows += list(
            base.filter(kind__in=kinds)
            .annotate(unit_key=unit_key(members[0]))
            .order_by()
            .values("unit_key", *group_by)
            .annotate(**aggregates)
            .order_by()
        )
    return rows


def count_units(
    rows: Iterable[dict],
    targets: Sequence[HeadlineTarget],
    key: Callable[[dict], object],
) -> dict[object, dict[str, UnitCount]]:
    """{group: {target key: UnitCount}} for the grouped-unit targets, a unit counted once in
    each group where it has a concerned site (an EJ with sites in two departments counts in
    each; the whole scope counts it once) and meeting the target over all its sites."""
    rows = list(rows)
    counted: dict[object, dict[str, UnitCount]] = defaultdict(dict)
    for target in targets:
        if target.unit not in GROUPED_UNITS:
            continue
        name = target.key
        sites: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        groups: dict[str, set] = defaultdict(set)
        apart: dict[object, int] = defaultdict(int)
        for row in rows:
            if row.get(f"apart_{name}"):
                apart[key(row)] += row[f"apart_{name}"]
            if not row.get(f"sites_{name}"):
                continue
            unit = row["unit_key"]
            sites[unit][0] += row[f"met_{name}"]
            sites[unit][1] += row[f"not_met_{name}"]
            sites[unit][2] += row.get(f"agreed_{name}") or 0
            groups[unit].add(key(row))
        population: dict[object, int] = defaultdict(int)
        met: dict[object, int] = defaultdict(int)
        agreed: dict[object, int] = defaultdict(int)
        for unit, (met_sites, not_met_sites, agreed_sites) in sites.items():
            meets = legal_entity_meets(met_sites=met_sites, not_met_sites=not_met_sites)
            for group in groups[unit]:
                population[group] += 1
                met[group] += meets is True
                agreed[group] += meets is False and agreed_sites == not_met_sites
        for group in set(population) | set(apart):
            counted[group][name] = UnitCount(
                population=population[group],
                met=met[group],
                apart=apart[group],
                agreed=agreed[group],
            )
    return counted


def scope_target_counts(
    establishments: QuerySet, campaign: Campaign, targets: Sequence[HeadlineTarget]
) -> dict[str, UnitCount]:
    """Each target's figure over a whole scope of establishments (e.g. a region), counted over
    its own unit: two queries at most, whatever the number of establishments."""
    base = establishments.filter(is_active=True).annotate(
        cur=FilteredRelation("assessments", condition=Q(assessments__campaign=campaign))
    )
    site_targets = [t for t in targets if t.unit not in GROUPED_UNITS]
    aggregates = {}
    for target in site_targets:
        concerned = population_q(target, campaign)
        aggregates[f"pop_{target.key}"] = Count("pk", filter=concerned)
        aggregates[f"met_{target.key}"] = Count("pk", filter=concerned & site_met_q(target))
    sums = base.order_by().aggregate(**aggregates) if aggregates else {}
    figures = {
        t.key: UnitCount(population=sums[f"pop_{t.key}"], met=sums[f"met_{t.key}"])
        for t in site_targets
    }
    grouped = count_units(unit_rows(base, targets, campaign, []), targets, lambda _row: None)
    for target in targets:
        if target.unit in GROUPED_UNITS:
            figures[target.key] = grouped.get(None, {}).get(target.key, UnitCount())
    return figures


def figure_text(count: UnitCount, target: HeadlineTarget) -> str:
    """How a figure reads: "13 / 59 unités PMSI"."""
    return f"{format_number(count.met)} / {format_number(count.population)} {target.unit_noun}"


def regional_target_counts(
    establishment: Establishment, campaign: Campaign, targets: Sequence[HeadlineTarget]
) -> dict[str, UnitCount]:
    """The figures of an establishment's region against the targets (version 2), each over
    its own unit; version 1 gives none (its report lists the establishment's flags alone)."""
    targets = [t for t in targets if t.from_section]
    if not targets:
        return {}
    region = Establishment.objects.filter(region_id=establishment.region_id)
    return scope_target_counts(region, campaign, targets)


# --- GHTs -------------------------------------------------------------------------------------


def ght_target_counts(
    ghts: QuerySet, campaign: Campaign, targets: Sequence[HeadlineTarget]
) -> dict[str, int]:
    """How many of `ghts` meet each GHT target, on their support establishment's assessment of
    `campaign` (one query): {"total": n, target key: met}."""
    annotated = ghts.annotate(
        support_assessment=FilteredRelation(
            "support_establishment__assessments",
            condition=Q(support_establishment__assessments__campaign=campaign),
        )
    )
    aggregates = {"total": Count("pk", distinct=True)}
    for i, target in enumerate(targets):
        aggregates[f"met_{i}"] = Count(
            "pk", filter=site_met_q(target, prefix="support_assessment__"), distinct=True
        )
    counts = annotated.order_by().aggregate(**aggregates)
    return {"total": counts["total"], **{t.key: counts[f"met_{i}"] for i, t in enumerate(targets)}}
