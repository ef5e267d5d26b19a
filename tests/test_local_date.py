"""“Today” is the day in France (settings.TIME_ZONE), whatever the server's clock says.

Between 23:00 and midnight UTC (winter) the server's date is still the day before: an exercise
held today in France must not be refused as a date in the future.
"""

import pytest
import time_machine

from assessments.answers import save_answers
from assessments.models import Answer
from referential.rules import AnswerError, get_rule

pytestmark = pytest.mark.django_db

EXERCISE = {"type": "within_days", "met": 365, "partial": 730}
# 23:30 UTC on 4 December is 00:30 on 5 December in Paris.
LATE_EVENING_UTC = "2026-12-04T23:30:00+00:00"


@time_machine.travel(LATE_EVENING_UTC, tick=False)
def test_a_date_rule_takes_today_in_france_and_refuses_the_day_after():
    rule = get_rule(EXERCISE)
    assert rule.clean("2026-12-05") == "2026-12-05"
    with pytest.raises(AnswerError, match="dans le futur"):
        rule.clean("2026-12-06")


@time_machine.travel(LATE_EVENING_UTC, tick=False)
def test_an_exercise_held_today_in_france_is_saved_late_in_the_utc_evening(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={"EXERCICE": "2026-12-05"},
        expected_version=0,
        user=world.rssi,
    )
    assert Answer.objects.get(assessment=assessment, requirement__code="EXERCICE").value == (
        "2026-12-05"
    )
