"""Two people saving the same assessment at the same moment: one save wins, the other is told the
assessment changed (409), never a server error, on SQLite as on PostgreSQL."""

import sqlite3
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from assessments.models import Assessment
from tests.conftest import mark_two_factor_verified

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 8


@pytest.fixture
def served_from_a_file(tmp_path):
    """On SQLite, a function that copies the test database to a file the server threads then use.

    The test database lives in memory, shared between threads in a mode where SQLite does not
    wait for locks; the portal runs on a file, where it does. On PostgreSQL, nothing to do.
    """
    database = connections.settings["default"]
    memory = database["NAME"]

    def switch():
        if connection.vendor != "sqlite":
            return
        path = tmp_path / "care.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        database["NAME"] = str(path)

    yield switch
    database["NAME"] = memory


def _signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    mark_two_factor_verified(client, user)
    return client


def _race(clients, assessment, answers_by_client) -> list[int]:
    """PATCH the answers from each client in its own thread, all at once; the status codes."""
    start = threading.Barrier(len(clients))
    statuses = [0] * len(clients)

    def save(index):
        try:
            start.wait()
            response = clients[index].patch(
                f"/api/assessments/{assessment.pk}/answers/",
                {"version": assessment.version, "answers": answers_by_client[index]},
                content_type="application/json",
            )
            statuses[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_two_concurrent_saves_give_one_success_and_one_conflict(
    world, campaign, served_from_a_file
):
    # Two sessions of the hospital's RSSI, as from two browsers.
    clients = [_signed_in(world.rssi), _signed_in(world.rssi)]
    served_from_a_file()
    answers = [{"GOV-COMITE": "yes"}, {"GOV-COMITE": "no"}]
    for _round in range(ROUNDS):
        assessment = _read(campaign.hospital.pk)
        statuses = _race(clients, assessment, answers)
        assert sorted(statuses) == [200, 409], statuses
        assert _read(campaign.hospital.pk).version == assessment.version + 1


def _read(pk) -> Assessment:
    """The assessment as the server threads see it (on SQLite, in the file)."""
    result = []

    def read():
        try:
            result.append(Assessment.objects.get(pk=pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return result[0]
