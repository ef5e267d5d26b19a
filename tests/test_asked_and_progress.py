"""Which requirements are asked, the "not asked" status, progress, and the stored snapshot's view.

One rule says which requirements are asked of an assessment (`ScoringModel.asked`); scoring, the
form, the submission check, carry-over, exercises and the demo all follow it.
"""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.answers import save_answers
from assessments.checks import headline_columns, missing_headline_columns
from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.compiled import forget_referential
from assessments.scoring.model import Progress, RequirementSpec, ScoringModel
from assessments.scoring.service import compute_result
from assessments.scoring.snapshot import SnapshotView
from referential.headlines import ANSWERED_HEADLINES, Headline
from referential.models import Requirement

REF = date(2025, 3, 15)
TRISTATE = {"type": "tristate"}


def spec(code, *, applies_to=("ES",), rule=None, **kw):
    return RequirementSpec(
        code=code,
        axis="1",
        objective="2",
        weight=1,
        rule=rule or {"type": "boolean"},
        applies_to=frozenset(applies_to),
        **kw,
    )


def model():
    return ScoringModel(
        [
            spec("AD", rule=TRISTATE, not_applicable_allowed=True),
            spec("AD-AUDIT", condition={"requirement": "AD", "in": ["yes", "partial"]}),
            spec("AD-AUDIT-DATE", condition={"requirement": "AD-AUDIT", "in": [True]}),
            spec("GHT-ITEM", applies_to=("GHT",)),
            spec("ESSMS-ITEM", applies_to=("ESSMS",)),
        ]
    )


def codes(specs):
    return [s.code for s in specs]


def test_asked_follows_kinds_ght_support_and_answers():
    m = model()
    es_in_ght = {"ES", "GHT"}
    assert codes(m.asked({}, kinds=es_in_ght)) == ["AD", "GHT-ITEM"]
    assert codes(m.asked({}, kinds=es_in_ght, ght_support=False)) == ["AD"]
    assert codes(m.asked({"AD": "partial"}, kinds={"ES"})) == ["AD", "AD-AUDIT"]
    chain = {"AD": "yes", "AD-AUDIT": True}
    assert codes(m.asked(chain, kinds={"ES"})) == ["AD", "AD-AUDIT", "AD-AUDIT-DATE"]
    # Typed values: 1 is not `true`; a parent declared not applicable asks nothing.
    assert codes(m.asked({"AD": "yes", "AD-AUDIT": 1}, kinds={"ES"})) == ["AD", "AD-AUDIT"]
    assert codes(m.asked({"AD": "not_applicable"}, kinds={"ES"})) == ["AD"]
    # Conditions aside: what may be answered here at all.
    assert codes(m.asked(None, kinds={"ESSMS"})) == ["ESSMS-ITEM"]
    assert codes(m.asked(None, kinds={"ES"})) == ["AD", "AD-AUDIT", "AD-AUDIT-DATE"]


def test_not_asked_is_distinct_from_not_applicable_and_left_out_of_counts_and_gaps():
    m = model()
    result = m.score({"AD": "no", "AD-AUDIT": False}, kinds={"ES"}, reference_date=REF)
    assert result.statuses == {
        "AD": "not_met",
        "AD-AUDIT": "not_asked",
        "AD-AUDIT-DATE": "not_asked",
    }
    assert result.counts == {
        "met": 0,
        "partial": 0,
        "not_met": 1,
        "unanswered": 0,
        "not_applicable": 0,
    }
    assert [gap.requirement for gap in result.gaps] == ["AD"]
    assert result.progress == Progress(answered=1, total=1)
    declared = m.score({"AD": "not_applicable"}, kinds={"ES"}, reference_date=REF)
    assert declared.statuses["AD"] == "not_applicable"
    assert declared.counts["not_applicable"] == 1
    assert declared.progress == Progress(answered=1, total=1)  # an explicit answer counts
    asked = m.score({"AD": "yes"}, kinds={"ES"}, reference_date=REF)
    assert asked.progress == Progress(answered=1, total=2)
    assert asked.progress.percent == 50 and not asked.progress.complete


ANSWER = st.sampled_from([None, "yes", "partial", "no", "not_applicable", True, False, 1])


@given(st.fixed_dictionaries({"AD": ANSWER, "AD-AUDIT": ANSWER, "AD-AUDIT-DATE": ANSWER}))
def test_scoring_marks_not_asked_exactly_what_asked_leaves_out(answers):
    m = model()
    answers = {code: value for code, value in answers.items() if value is not None}
    result = m.score(answers, kinds={"ES", "GHT"}, reference_date=REF)
    asked = set(codes(m.asked(answers, kinds={"ES", "GHT"})))
    assert {c for c, s in result.statuses.items() if s != "not_asked"} == asked
    assert result.progress.total == len(asked) == sum(result.counts.values())


@given(st.sampled_from([None, "yes", "partial", "no"]), st.sampled_from([None, True, False]))
def test_answer_asked_answers_follow_ups_once_their_parent_allows_them(ad, audit):
    m = model()
    given_values = {"AD": ad, "AD-AUDIT": audit, "AD-AUDIT-DATE": True}
    seen = []

    def answer(s):
        seen.append(s.code)
        return given_values[s.code]

    answers = m.answer_asked(answer, kinds={"ES"})
    assert answers == {c: v for c, v in given_values.items() if c in seen and v is not None}
    assert seen == codes(m.asked(answers, kinds={"ES"}))  # each asked once, in order


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_progress_is_stored_and_read_the_same_everywhere(client, world, campaign):
    # EXERCICE becomes a follow-up of GOV-COMITE, asked when the committee meets.
    Requirement.objects.filter(pk=campaign.requirements["EXERCICE"].pk).update(
        condition={"requirement": "GOV-COMITE", "in": ["yes"]}
    )
    forget_referential()
    assessment = campaign.hospital
    result = save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no", "D3-BASTION": "not_applicable"},
        expected_version=0,
        user=world.rssi,
    )
    # Asked: GOV-RSSI, GOV-COMITE, BUDGET, GHT-CONVERGENCE, D3-BASTION (EXERCICE is not).
    assert result.statuses["EXERCICE"] == "not_asked"
    assert result.progress == Progress(answered=2, total=5)
    snapshot = ScoreSnapshot.objects.get(assessment=assessment)
    assert snapshot.count_answered == 2
    assert snapshot.count_not_applicable == 1  # the declared one only
    stored = Assessment.objects.select_related("snapshot").get(pk=assessment.pk).snapshot_view
    assert stored.progress == result.progress
    assert stored.statuses == result.statuses
    assert stored.axes == result.axes and stored.score_global == result.score_global
    assert [(g.requirement, g.deadline) for g in stored.gaps] == [
        (g.requirement, g.deadline) for g in result.gaps
    ]
    assert SnapshotView.from_detail(snapshot.detail).progress == result.progress

    client.force_login(world.rssi)
    mine = client.get("/assessments/mine/").content.decode()
    assert 'max="5" value="2"' in mine
    form = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "2 réponses sur 5 exigences à renseigner" in form
    status = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert "2 réponses sur 5 exigences" in status


@pytestmark_db
def test_a_missing_answer_is_only_one_asked(world, campaign):
    from assessments.workflow import missing_required_answers

    Requirement.objects.filter(pk=campaign.requirements["EXERCICE"].pk).update(
        condition={"requirement": "GOV-COMITE", "in": ["yes"]}
    )
    forget_referential()
    assert "EXERCICE" not in [m.code for m in missing_required_answers(campaign.hospital)]
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    assert "EXERCICE" in [m.code for m in missing_required_answers(campaign.hospital)]
    assert compute_result(campaign.hospital).statuses["EXERCICE"] == "unanswered"


def test_every_headline_has_its_snapshot_column_and_the_check_says_when_not():
    assert headline_columns() == []
    assert missing_headline_columns(ScoreSnapshot) == []
    # A model without the columns is reported, one per headline fed by answers.
    assert missing_headline_columns(Assessment) == [f"hl_{name}" for name in ANSWERED_HEADLINES]
    assert Headline.SUBMITTED.snapshot_field is None
    assert Headline.SUBMITTED.value not in ANSWERED_HEADLINES
