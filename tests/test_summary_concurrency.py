"""Saves of the same group of establishments at the same moment (PostgreSQL): the dashboards'
summary counts each of them, whichever commits first."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from assessments.answers import save_answers
from assessments.models import Campaign
from dashboards.summary import differences
from establishments.models import Role
from tests.campaigns import build_campaign
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def same_group(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    built = build_campaign(world)
    call_command("recompute_scores", campaign=2025, processes=1)
    # Two sites of one group: same department, GHT, kind and legal status.
    assert (world.clinic.department_id, world.clinic.ght_id, world.clinic.kind) == (
        world.hospital.department_id,
        world.hospital.ght_id,
        world.hospital.kind,
    )
    campaign = Campaign.objects.select_related("referential").get(pk=built.campaign.pk)
    return built, campaign, user_with_role(Role.RSSI, world.clinic)


def _in_threads(*targets) -> list[Exception]:
    errors: list[Exception] = []

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_a_save_while_another_of_its_group_is_not_committed_yet(world, same_group):
    built, campaign, clinic_rssi = same_group
    first_saved = threading.Event()

    def first():
        with transaction.atomic():
            save_answers(
                assessment=built.clinic,
                answers={"GOV-COMITE": "yes"},
                expected_version=0,
                user=clinic_rssi,
            )
            first_saved.set()
            time.sleep(0.5)  # the rest of the request, before it commits

    def second():
        assert first_saved.wait(10)
        save_answers(
            assessment=built.hospital,
            answers={"GOV-COMITE": "yes"},
            expected_version=0,
            user=world.rssi,
        )

    assert _in_threads(first, second) == []
    assert differences(campaign) == []


def test_saves_pressed_at_the_same_instant(world, same_group):
    built, campaign, clinic_rssi = same_group
    for i in range(15):
        start = threading.Barrier(2)

        def save(assessment, user, i=i, start=start):
            start.wait()
            save_answers(
                assessment=assessment,
                answers={"GOV-COMITE": "yes" if i % 2 == 0 else "no"},
                expected_version=i,
                user=user,
            )

        errors = _in_threads(
            lambda: save(built.clinic, clinic_rssi), lambda: save(built.hospital, world.rssi)
        )
        assert errors == []
        assert differences(campaign) == [], f"round {i}"
