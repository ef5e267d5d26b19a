"""The French display formats (`care_portal.formats`) and their template filters."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import example, given
from hypothesis import strategies as st

from assessments.answer_fields import parse_number
from assessments.scoring.model import SEVERITIES, GapSeverity, RequirementStatus
from care_portal.formats import (
    EMPTY,
    MINUS,
    NBSP,
    THOUSANDS,
    format_amount,
    format_date,
    format_datetime,
    format_decimal,
    format_number,
    format_percent,
    format_score,
)
from referential.rules import MAX_AMOUNT, NOT_ASKED, STATUSES

DSFR_BADGES = {"success", "warning", "error", "info", "new"}
finite = st.floats(min_value=-1e18, max_value=1e18, allow_nan=False)


def read_back(text: str) -> Decimal:
    """The number a French display stands for, read strictly."""
    text = text.removesuffix(f"{NBSP}%").removesuffix(f"{NBSP}€")
    return Decimal(text.replace(THOUSANDS, "").replace(MINUS, "-").replace(",", "."))


@given(value=finite, decimals=st.integers(0, 3))
@example(value=1234567.891, decimals=2)
def test_a_number_reads_back_as_its_rounded_value(value, decimals):
    text = format_number(value, decimals=decimals, fixed=True)
    assert read_back(text) == Decimal(str(value)).quantize(
        Decimal(1).scaleb(-decimals), "ROUND_HALF_UP"
    )
    integer, _, fraction = text.lstrip(MINUS).partition(",")
    assert len(fraction) == decimals
    groups = integer.split(THOUSANDS)
    assert 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])
    assert not text.startswith(f"{MINUS}0") or read_back(text) != 0  # never "−0"


@given(
    value=st.integers(-(10**20), 10**20),
    decimals=st.integers(0, 3),
    fixed=st.booleans(),
    unit=st.sampled_from(["", "%", "€"]),
)
@example(value=-1234567, decimals=1, fixed=True, unit="%")
def test_a_count_reads_as_the_same_number_written_exactly(value, decimals, fixed, unit):
    """Counts (the dashboards show thousands of them) read as the same number given exactly."""
    assert format_number(value, unit, decimals=decimals, fixed=fixed) == format_number(
        Decimal(value), unit, decimals=decimals, fixed=fixed
    )


@given(
    value=st.floats(allow_nan=True, allow_infinity=True),
    decimals=st.integers(0, 3),
    fixed=st.booleans(),
)
@example(value=34.05, decimals=1, fixed=True)
@example(value=-0.04, decimals=1, fixed=False)
@example(value=99.95, decimals=1, fixed=False)
@example(value=1e22, decimals=1, fixed=True)
@example(value=5e-324, decimals=2, fixed=True)
def test_a_float_reads_as_its_shortest_decimal_form_written_exactly(value, decimals, fixed):
    """Shares and scores read as the number written in its shortest decimal form."""
    exact = Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    assert format_number(value, "%", decimals=decimals, fixed=fixed) == format_number(
        exact, "%", decimals=decimals, fixed=fixed
    )


@given(amount=st.integers(0, MAX_AMOUNT) | st.decimals(0, 10**6, places=2).map(float))
def test_an_amount_typed_back_into_the_form_gives_the_same_amount(amount):
    assert parse_number(format_amount(amount)) == amount
    assert parse_number(format_decimal(amount)) == amount


@given(tenths=st.integers(0, 9999), negative=st.booleans())
def test_a_score_ending_in_5_rounds_away_from_zero_as_written(tenths, negative):
    """34.05 shows 34,1 on every page, although the float 34.05 lies just below 34.05."""
    sign = -1 if negative else 1
    value = sign * float(f"{tenths // 10}.{tenths % 10}5")
    shown = (tenths + 1) // 10, (tenths + 1) % 10
    integer = f"{shown[0]:,}".replace(",", THOUSANDS)
    assert format_score(value) == f"{MINUS if negative else ''}{integer},{shown[1]}{NBSP}%"


def test_rounding_examples():
    assert format_score(34.05) == f"34,1{NBSP}%"
    assert format_score(0.15) == f"0,2{NBSP}%"
    assert format_score(66.94) == f"66,9{NBSP}%"
    assert format_score(100) == f"100,0{NBSP}%"
    assert format_number(2.675, decimals=2) == "2,68"
    assert format_percent(62.5) == f"62,5{NBSP}%"
    assert format_percent(70.0) == f"70{NBSP}%"


@pytest.mark.parametrize(
    ("value", "number", "score"),
    [
        (None, EMPTY, EMPTY),
        (float("nan"), EMPTY, EMPTY),
        (float("inf"), EMPTY, EMPTY),
        (0, "0", f"0,0{NBSP}%"),
        (0.0, "0", f"0,0{NBSP}%"),
        (-0.04, "0", f"0,0{NBSP}%"),
        (-4.5, f"{MINUS}4,5", f"{MINUS}4,5{NBSP}%"),
        (1234.5, f"1{THOUSANDS}234,5", f"1{THOUSANDS}234,5{NBSP}%"),
        (
            10**21,
            THOUSANDS.join(["1"] + ["000"] * 7),
            None,
        ),
    ],
)
def test_no_value_zero_negative_and_large_values(value, number, score):
    assert format_number(value) == number
    if score is not None:
        assert format_score(value) == score


def test_amounts():
    assert format_amount(1_250_000) == f"1{THOUSANDS}250{THOUSANDS}000{NBSP}€"
    assert format_amount(1250.5) == f"1{THOUSANDS}250,50{NBSP}€"
    assert format_amount(None) == EMPTY
    assert format_amount(3000, euro=False) == f"3{THOUSANDS}000"
    assert format_decimal(92.5) == "92,50" and format_decimal(80) == "80"


def test_dates_read_in_the_portal_time_zone():
    assert format_date(date(2025, 6, 30)) == "30/06/2025"
    assert format_date(date(2025, 6, 30), long=True) == "30 juin 2025"
    assert format_date(None) == EMPTY
    # 22:30 UTC on 30 June is already 1 July in Paris.
    late = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)
    assert format_date(late) == "01/07/2025"
    assert format_datetime(late) == "01/07/2025 à 00:30"
    assert format_datetime(late, long=True) == "1er juillet 2025 à 00:30"


def test_template_filters_are_builtins_and_say_the_same():
    template = Template(
        "{{ s|score }}|{{ p|percent }}|{{ n|number }}|{{ d|number:'pts' }}|{{ a|amount }}|"
        "{{ day|short_date }}|{{ day|long_date }}|{{ late|short_datetime }}|{{ none|score }}"
    )
    late = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)
    shown = template.render(
        Context(
            {
                "s": 34.05,
                "p": 62.5,
                "n": 1234.56,
                "d": -3.25,
                "a": 1_250_000,
                "day": date(2025, 6, 30),
                "late": late,
                "none": None,
            }
        )
    )
    assert shown.split("|") == [
        format_score(34.05),
        format_percent(62.5),
        format_number(1234.56),
        format_number(-3.25, "pts"),
        format_amount(1_250_000),
        "30/06/2025",
        "30 juin 2025",
        "01/07/2025 à 00:30",
        EMPTY,
    ]


def test_every_status_and_severity_has_one_label_and_one_badge():
    assert set(RequirementStatus.values) == {*STATUSES, NOT_ASKED}
    assert set(GapSeverity.values) == set(SEVERITIES)
    for member in [*RequirementStatus, *GapSeverity]:
        assert str(member.label) and member.badge in DSFR_BADGES
    assert len({str(RequirementStatus(status).label) for status in STATUSES}) == len(STATUSES)
    # A follow-up not asked reads as "not applicable", the answer it depends on saying why.
    assert RequirementStatus.NOT_ASKED.label == RequirementStatus.NOT_APPLICABLE.label
    assert RequirementStatus("partial").label == "Partiellement atteinte"
    assert RequirementStatus.PARTIAL.counted(1) == "1 partielle"
    assert RequirementStatus.PARTIAL.counted(3) == "3 partielles"
    assert RequirementStatus.of(None) is None and GapSeverity.of("overdue").badge == "error"


def test_filters_show_a_dash_for_a_missing_value_or_a_non_number():
    """A page without a snapshot yet: `snapshot.score_global` renders "—", never an error."""
    shown = Template("{{ snapshot.score_global|score }}|{{ 'abc'|percent }}|{{ True|number }}")
    assert shown.render(Context({})) == f"{EMPTY}|{EMPTY}|{EMPTY}"


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, EMPTY),
        (0, f"0{NBSP}Mo"),
        (31, f"moins de 0,1{NBSP}Mo"),
        (2_516_582, f"2,4{NBSP}Mo"),
        (10 * 1024 * 1024, f"10{NBSP}Mo"),
        (200 * 1024 * 1024, f"200{NBSP}Mo"),
    ],
)
def test_file_sizes_are_always_in_mo(size, shown):
    from care_portal.formats import format_file_size

    assert format_file_size(size) == shown
    rendered = Template("{{ size|file_size }}").render(Context({"size": size}))
    assert rendered == shown


@given(st.integers(min_value=1, max_value=10**12))
def test_every_file_size_reads_in_mo(size):
    from care_portal.formats import format_file_size

    text = format_file_size(size)
    assert text.endswith(f"{NBSP}Mo")
    assert "Ko" not in text and "octet" not in text


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_the_first_of_the_month_is_an_ordinal_everywhere(day):
    """ "1er décembre 2025", never "1 décembre"; other days as numbers; pages and PDF alike."""
    expected = ("1er" if day.day == 1 else str(day.day)) + " "
    assert format_date(day, long=True).startswith(expected)
    moment = datetime(day.year, day.month, day.day, 12, 0)
    assert format_datetime(moment, long=True).startswith(expected)
    rendered = Template("{{ day|long_date }}").render(Context({"day": day}))
    assert rendered == format_date(day, long=True)


def test_first_and_second_of_december():
    assert format_date(date(2025, 12, 1), long=True) == "1er décembre 2025"
    assert format_date(date(2025, 12, 2), long=True) == "2 décembre 2025"


@given(
    value=st.integers(-(10**7), 10**7) | st.floats(-1e7, 1e7, allow_nan=False),
    ways=st.lists(
        st.tuples(st.sampled_from(["", "%", "pts"]), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=12,
    ),
)
@example(value=0.0, ways=[("%", 1, True), ("%", 1, False), ("", 0, False), ("%", 1, True)])
@example(value=-0.0, ways=[("", 1, True), ("", 1, True)])
@example(value=1, ways=[("%", 1, True), ("%", 1, True)])
def test_a_figure_written_many_times_reads_the_same_each_time(value, ways):
    """A page writes the same count or share again and again, with or without a unit, with
    more or fewer decimals: each time reads as that number written exactly that way."""
    for _round in range(2):
        for unit, decimals, fixed in ways:
            exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            assert format_number(value, unit, decimals=decimals, fixed=fixed) == format_number(
                exact, unit, decimals=decimals, fixed=fixed
            )
    # An integer and the equal float read alike: 1 and 1.0 are the same figure.
    assert format_number(1, "%", fixed=True) == format_number(1.0, "%", fixed=True) == "1,0\u00a0%"
