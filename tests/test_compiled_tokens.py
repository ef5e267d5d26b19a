"""The compiled referential within a request: the shared cache is asked for its version once per
request, however often the request uses it; a change made elsewhere shows on the next request.
"""

import json

import pytest
from django.core.cache import cache

from assessments.scoring import compiled
from assessments.scoring.compiled import _token_key
from referential.models import Requirement
from referential.rules import NOT_APPLICABLE_VALUE
from tests.campaigns import build_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_reads(monkeypatch):
    """The compiled referentials' version keys asked of the (real) cache, in order."""
    asked: list[str] = []
    get_many = cache.get_many

    def counting(keys, *args, **kwargs):
        asked.extend(k for k in keys if "compiled-referential:" in k and not k.endswith(":all"))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting)
    return asked


def test_a_save_asks_the_version_of_its_referential_once(client, world, token_reads):
    campaign = build_campaign(world)
    client.force_login(world.rssi)
    client.get(f"/api/assessments/{campaign.hospital.pk}/")  # the keys exist from here on
    token_reads.clear()
    response = client.patch(
        f"/api/assessments/{campaign.hospital.pk}/answers/",
        json.dumps({"version": 0, "answers": {"GOV-COMITE": "yes"}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert token_reads == [_token_key(campaign.campaign.referential_id)]
    # Each request asks again: two reads, two questions.
    client.get(f"/api/assessments/{campaign.hospital.pk}/")
    client.get(f"/api/assessments/{campaign.hospital.pk}/")
    assert len(token_reads) == 3


def test_a_referential_changed_by_another_process_shows_on_the_next_request(client, world):
    campaign = build_campaign(world)
    client.force_login(world.rssi)
    url = f"/api/assessments/{campaign.hospital.pk}/answers/"
    body = {"version": 0, "answers": {"D3-BASTION": NOT_APPLICABLE_VALUE}}
    first = client.patch(url, json.dumps(body), content_type="application/json")
    assert first.status_code == 200, first.content
    # Another process forbids "not applicable" and renews the version's key, as an edit does.
    Requirement.objects.filter(
        objective__axis__referential=campaign.campaign.referential, code="D3-BASTION"
    ).update(not_applicable_allowed=False)
    cache.set(_token_key(campaign.campaign.referential_id), "renewed elsewhere", None)
    body = {"version": 1, "answers": {"D3-BASTION": False}}
    assert client.patch(url, json.dumps(body), content_type="application/json").status_code == 200
    body = {"version": 2, "answers": {"D3-BASTION": NOT_APPLICABLE_VALUE}}
    refused = client.patch(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    assert "D3-BASTION" in refused.json()["answers"]


def test_a_request_older_than_the_process_copy_keeps_its_build_to_itself(
    world, django_assert_num_queries
):
    """A request that read a version's token before another thread rebuilt the version builds
    its own form once and keeps it, without putting it in place of the process's copy."""
    campaign = build_campaign(world)
    referential_id = campaign.campaign.referential_id
    compiled._request_started()
    try:
        first = compiled.compiled_referential(referential_id)
        # Another thread of the process: the version renewed, rebuilt and kept under its token.
        cache.set(_token_key(referential_id), "renewed by another thread", None)
        theirs = object()
        compiled._cache[referential_id] = (compiled._read_token(referential_id), theirs)
        own = compiled.compiled_referential(referential_id)
        assert own is not theirs and own is not first
        with django_assert_num_queries(0):
            assert compiled.compiled_referential(referential_id) is own
        assert compiled._cache[referential_id][1] is theirs
    finally:
        compiled._request_finished()
    # The next request reads the new token and takes the process's copy.
    compiled._request_started()
    try:
        assert compiled.compiled_referential(referential_id) is theirs
    finally:
        compiled._request_finished()
