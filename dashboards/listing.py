"""The establishment list of a dashboard: its filters, its sort orders and its rows.

The same filtered rows feed the page (paginated) and the CSV/XLSX exports.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from actions.agreement import PLAN_AGREED
from actions.models import TargetPlan
from assessments.models import Campaign, ReportedIncident
from assessments.scoring.compiled import beside_compiled
from dashboards.figures import (
    DRAFT,
    NOT_STARTED,
    PROGRESS,
    PROGRESS_LABELS,
    PROGRESS_Q,
    STARTED_Q,
    campaign_establishments,
)
from dashboards.targets import met_q, not_met_q, population_q, unknown_q
from establishments.models import Establishment, Kind, Nis2Status
from referential.models import Headline
from referential.targets import HeadlineTarget

FLAG_MET = "met"
FLAG_NOT_MET = "not_met"
FLAG_UNKNOWN = "unknown"
FLAG_CHOICES = [
    ("", _("Tous")),
    (FLAG_MET, _("Atteinte")),
    (FLAG_NOT_MET, _("Non atteinte")),
    (FLAG_UNKNOWN, _("Non renseignée")),
]
NO_GHT = "-"
NIS2_LABELS = dict(Nis2Status.choices)
SUBMITTED_KEY = Headline.SUBMITTED.value

# Sort keys offered on the list's column headers; each maps to an ORDER BY.
SORTS = {
    "name": [F("name").asc(), F("finess").asc()],
    "finess": [F("finess").asc()],
    "kind": [F("kind").asc(), F("name").asc(), F("finess").asc()],
    "department": [F("department_id").asc(), F("name").asc(), F("finess").asc()],
    "ght": [F("ght__code").asc(nulls_last=True), F("name").asc(), F("finess").asc()],
    "status": [F("progress").asc(), F("name").asc(), F("finess").asc()],
    "score": [F("score").asc(nulls_first=True), F("name").asc(), F("finess").asc()],
    "score_care": [F("score_care").asc(nulls_first=True), F("name").asc(), F("finess").asc()],
}
DEFAULT_SORT = "name"


def order_by_for(sort: str) -> list:
    """The ORDER BY of a sort key (`score`, `-score`…); unknown keys fall back to the name."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        return SORTS[DEFAULT_SORT]
    if not descending:
        return SORTS[key]
    first, *rest = SORTS[key]
    flipped = F(first.expression.name).desc(nulls_last=True)
    return [flipped, *rest]


def progress_rank() -> Case:
    """The progress step as its index in PROGRESS (0 not started … 3 validated), sortable."""
    return Case(
        *(
            When(PROGRESS_Q[key], then=Value(i))
            for i, key in enumerate(PROGRESS)
            if key != NOT_STARTED
        ),
        default=Value(PROGRESS.index(NOT_STARTED)),
        output_field=IntegerField(),
    )


class ListFilterForm(forms.Form):
    """Filters of the establishment list; every field optional."""

    q = forms.CharField(label=_("Nom ou numéro FINESS"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Région"), required=False)
    department = forms.ChoiceField(label=_("Département"), required=False)
    ght = forms.ChoiceField(label=_("GHT"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Avancement"),
        required=False,
        choices=[("", _("Tous")), *((key, PROGRESS_LABELS[key]) for key in PROGRESS)],
    )
    nis2 = forms.ChoiceField(
        label=_("Statut NIS2"), required=False, choices=[("", _("Tous")), *Nis2Status.choices]
    )
    ose = forms.ChoiceField(
        label=_("Désignation OSE"),
        required=False,
        choices=[("", _("Tous")), ("yes", _("OSE")), ("no", _("Non OSE"))],
    )
    score_min = forms.IntegerField(
        label=_("Score global minimum"), required=False, min_value=0, max_value=100
    )
    score_max = forms.IntegerField(
        label=_("Score global maximum"), required=False, min_value=0, max_value=100
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data=None,
        *,
        targets: Sequence[HeadlineTarget],
        departments: Sequence[tuple[str, str]],
        ghts: Sequence[tuple[str, str]] | None,
        regions: Sequence[tuple[str, str]] | None = None,
        campaign=None,
    ):
        super().__init__(data)
        self.targets = list(targets)
        self.campaign = campaign
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].choices = [("", _("Toutes")), *regions]
        self.fields["department"].choices = [("", _("Tous")), *departments]
        if ghts is None:
            del self.fields["ght"]
        else:
            self.fields["ght"].choices = [("", _("Tous")), (NO_GHT, _("Hors GHT")), *ghts]
        for target in self.targets:
            choices = FLAG_CHOICES
            if target.key == Headline.SUBMITTED:
                choices = FLAG_CHOICES[:3]
            self.fields[f"hl_{target.key}"] = forms.ChoiceField(
                label=target.label, required=False, choices=choices
            )

    @property
    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("hl_") and name != "sort"]

    @property
    def target_fields(self):
        return [self[name] for name in self.fields if name.startswith("hl_")]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "score_max",
                _("Le score maximum (%(high)s) doit être supérieur ou égal au minimum (%(low)s).")
                % {"high": high, "low": low},
            )
        return cleaned

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Apply every valid filter (the invalid ones are reported on the form)."""
        q = self.condition()
        return queryset.filter(q) if q else queryset

    def condition(self) -> Q:
        """The valid filters as one condition (empty when nothing filters the list)."""
        data = self.cleaned_data if self.is_bound else {}
        if self.is_bound and not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        q = Q()
        text = (data.get("q") or "").strip()
        if text:
            q &= Q(finess=text.upper()) | Q(name__icontains=text)
        if data.get("region"):
            q &= Q(region_id=data["region"])
        if data.get("department"):
            q &= Q(department_id=data["department"])
        if data.get("ght") == NO_GHT:
            q &= Q(ght__isnull=True)
        elif data.get("ght"):
            q &= Q(ght__code=data["ght"])
        if data.get("kind"):
            q &= Q(kind=data["kind"])
        if data.get("status"):
            q &= PROGRESS_Q[data["status"]]
        if data.get("nis2"):
            q &= Q(nis2_status=data["nis2"])
        if data.get("ose"):
            q &= Q(is_ose=data["ose"] == "yes")
        # Only a started assessment has a score (an empty draft's 0 is none).
        if data.get("score_min") is not None:
            q &= STARTED_Q & Q(cur__snapshot__score_global__gte=data["score_min"])
        if data.get("score_max") is not None:
            q &= STARTED_Q & Q(cur__snapshot__score_global__lte=data["score_max"])
        for target in self.targets:
            flag = data.get(f"hl_{target.key}")
            if flag == FLAG_MET:
                q &= population_q(target, self.campaign) & met_q(target)
            elif flag == FLAG_NOT_MET:
                q &= population_q(target, self.campaign) & not_met_q(target)
            elif flag == FLAG_UNKNOWN:
                q &= population_q(target, self.campaign) & unknown_q(target)
        return q

    @property
    def sort_key(self) -> str:
        value = (self.data.get("sort") or DEFAULT_SORT) if self.is_bound else DEFAULT_SORT
        return value if value.removeprefix("-") in SORTS else DEFAULT_SORT


def establishment_rows(base: QuerySet, targets: Sequence[HeadlineTarget], sort: str) -> QuerySet:
    """The list's rows as dicts, in the requested order."""
    return _shaped(_annotated(base, targets), targets, sort)


def campaign_rows(
    establishments: QuerySet,
    campaign: Campaign,
    targets: Sequence[HeadlineTarget],
    sort: str,
    condition: Q | None = None,
) -> QuerySet:
    """:func:`establishment_rows` of ``campaign_establishments(establishments, campaign)``,
    filtered by `condition` (the list's filters). Building the annotated list costs more than
    running it: it is built once per campaign and referential version in a process (kept as
    long as the version's compiled form), then narrowed to each page's establishments — never
    evaluated itself, every page works on a copy."""
    if condition:
        # Filtered first, so that the annotations share the filter's joins to the assessment
        # and its snapshot (a filter() after them would join that multi-valued relation again,
        # and PostgreSQL would read every assessment of the campaign to match them).
        base = campaign_establishments(establishments, campaign).filter(condition)
        return _shaped(_annotated(base, targets), targets, sort)
    template = beside_compiled(
        campaign.referential_id,
        f"list-rows:{campaign.pk}:{','.join(t.key for t in targets)}",
        lambda: _annotated(campaign_establishments(Establishment.objects.all(), campaign), targets),
    )
    return _shaped(template & establishments, targets, sort)


def _annotated(base: QuerySet, targets: Sequence[HeadlineTarget]) -> QuerySet:
    flags = {f"hl_{t.key}": _site_flag(t) for t in targets if t.key != Headline.SUBMITTED}
    return base.annotate(
        progress=progress_rank(),
        score=Case(When(STARTED_Q, then=F("cur__snapshot__score_global")), default=None),
        # Version 2 on: the CaRE-targets score (None in version 1).
        score_care=Case(When(STARTED_Q, then=F("cur__snapshot__score_care")), default=None),
        assessment_id=F("cur__id"),
        incidents=incident_count(),
        agreed_plans=agreed_plans_mask(targets),
        **flags,
    )


def _shaped(rows: QuerySet, targets: Sequence[HeadlineTarget], sort: str) -> QuerySet:
    flags = [f"hl_{t.key}" for t in targets if t.key != Headline.SUBMITTED]
    return rows.values(
        "pk",
        "finess",
        "name",
        "kind",
        "category_label",
        "legal_status",
        "department_id",
        "region_id",
        "ght__code",
        "nis2_status",
        "is_ose",
        "progress",
        "score",
        "score_care",
        "assessment_id",
        "incidents",
        "agreed_plans",
        *flags,
    ).order_by(*order_by_for(sort))


def agreed_plans_mask(targets: Sequence[HeadlineTarget]) -> Coalesce:
    """The targets whose plan the ARS agreed, as bits (bit i: ``targets[i]``) summed in one
    subquery rather than one per target."""
    bits = Case(
        *(When(target=t.key, then=Value(1 << i)) for i, t in enumerate(targets)),
        default=Value(0),
        output_field=IntegerField(),
    )
    agreed = (
        TargetPlan.objects.agreed()
        .filter(assessment=OuterRef("cur__pk"))
        .order_by()
        .values("assessment")
        .annotate(mask=Sum(bits))
        .values("mask")
    )
    return Coalesce(Subquery(agreed, output_field=IntegerField()), Value(0))


def incident_count() -> Coalesce:
    """How many reported incidents the establishment recorded (a subquery: no row multiplied)."""
    counted = (
        ReportedIncident.objects.filter(establishment=OuterRef("pk"))
        .order_by()
        .values("establishment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _site_flag(target: HeadlineTarget):
    """The site's own flag for a target: its snapshot column (version 1) or the rule over the
    statuses of the requirements feeding it (version 2)."""
    if not target.from_section:
        return F(f"cur__snapshot__hl_{target.key}")
    return Case(
        When(met_q(target), then=Value(True)),
        When(not_met_q(target), then=Value(False)),
        default=Value(None),
        output_field=BooleanField(null=True),
    )


def decorate(row: dict, targets: Sequence[HeadlineTarget]) -> dict:
    """Add the progress key and label and one flag per target (True, False, None, or
    PLAN_AGREED: not met with a plan the ARS agreed) to a row."""
    progress = PROGRESS[row["progress"]]
    row["nis2_label"] = NIS2_LABELS[row["nis2_status"]]
    row["progress_key"] = progress
    row["progress_label"] = PROGRESS_LABELS[progress]
    row["flags"] = []
    agreed = row.get("agreed_plans") or 0
    for i, target in enumerate(targets):
        if target.kind_applies(row["kind"]):
            if target.key == SUBMITTED_KEY:
                value = progress not in (NOT_STARTED, DRAFT)
            else:
                value = row.get(f"hl_{target.key}")
                if value is False and agreed & (1 << i):
                    value = PLAN_AGREED
        else:
            value = "n/a"
        row["flags"].append((target, value))
    return row
