"""Ids read from requests: in URLs and in the follow-up selection, anything but an id in range
(ASCII digits, at most 2**63 - 1) gets a 404 or a French message, never a server error."""

import re

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from care_portal.ids import ID_PATTERN, MAX_ID, IdConverter, parse_id
from followup.models import BulkReport, Relaunch

BEYOND = [str(MAX_ID + 1), "1" * 30]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix, pattern


def _fill_group(regex: str, name: str) -> str:
    """``regex`` with its group ``(?P<name>…)`` (nested parentheses and all) replaced by {id}."""
    start = regex.index(f"(?P<{name}>")
    depth = 0
    for end in range(start, len(regex)):
        depth += {"(": 1, ")": -1}.get(regex[end], 0)
        if depth == 0:
            return regex[:start] + "{id}" + regex[end + 1 :]
    raise ValueError(regex)


def _id_routes():
    """(route, URL template with {id}) of every URL of the portal that carries an integer id.

    Read from the URLconf, so a new URL is covered as soon as it exists. The admin's own URLs
    (Django's and its plugins') are left to the admin.
    """
    routes = []
    for prefix, pattern in _walk(get_resolver().url_patterns):
        if prefix.startswith("admin/"):
            continue
        if isinstance(pattern.pattern, RoutePattern):
            route = prefix + str(pattern.pattern)
            converters = pattern.pattern.converters
            ids = {k for k, c in converters.items() if isinstance(c, IntConverter | IdConverter)}
            if not ids:
                continue
            template = re.sub(
                r"<(\w+):(\w+)>", lambda m, ids=ids: "{id}" if m[2] in ids else "x", route
            )
        else:
            assert isinstance(pattern.pattern, RegexPattern)
            regex = str(pattern.pattern)
            if "(?P<pk>" not in regex or "(?P<format>" in regex:
                continue
            route = prefix + regex
            template = prefix + _fill_group(regex, "pk").strip("^$")
        routes.append((route, "/" + template))
    return routes


ID_ROUTES = _id_routes()


def test_the_urls_with_an_id_are_found():
    routes = dict(ID_ROUTES)
    assert "assessments/<id:pk>/" in routes
    assert f"api/^assessments/(?P<pk>{ID_PATTERN})/$" in routes
    assert "followup/relaunches/<id:pk>/" in routes
    assert len(routes) >= 20


@pytest.mark.parametrize(("route", "template"), ID_ROUTES, ids=[r for r, _t in ID_ROUTES])
def test_no_url_takes_an_unbounded_integer(route, template):
    pattern = resolve(template.format(id="1")).route
    assert "<int:" not in pattern, "use <id:…> (care_portal.ids) for ids in URLs"
    for value in ("1" * 30, MAX_ID + 1):
        assert_not_resolved(template.format(id=value))


def assert_not_resolved(url: str) -> None:
    """No view takes the id: nothing resolves, or only the API's catch-all JSON 404."""
    try:
        match = resolve(url)
    except Resolver404:
        return
    assert match.url_name == "api-not-found", url


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "template"), ID_ROUTES, ids=[r for r, _t in ID_ROUTES])
def test_an_id_beyond_64_bits_is_not_found(client, world, route, template):
    client.force_login(world.national)
    for value in BEYOND:
        url = template.format(id=value)
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


@given(st.integers(min_value=0, max_value=MAX_ID))
def test_every_id_in_range_reads_back(number):
    assert parse_id(str(number)) == number
    assert IdConverter().to_python(str(number)) == number


@given(
    st.one_of(
        st.integers(min_value=MAX_ID + 1).map(str),
        st.integers(max_value=-1).map(str),
        st.text().filter(lambda s: not re.fullmatch("[0-9]+", s, re.ASCII)),
        st.text(st.characters(categories=["Nd", "No"]), min_size=1),
    )
)
def test_nothing_else_is_an_id(value):
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return  # the digit strings drawn above that happen to be ids
    assert parse_id(value) is None
    with pytest.raises(ValueError):
        IdConverter().to_python(value)


# --- the follow-up selection ---------------------------------------------------------------

BAD_IDS = st.one_of(
    st.sampled_from(
        ["²", "٣", "9" * 5000, str(MAX_ID + 1), "1" * 30, "-1", " 1", "1.0", "1e3", "0x1"]
    ),
    st.text(st.characters(categories=["Nd", "No"], exclude_characters="0123456789"), min_size=1),
    st.integers(min_value=MAX_ID + 1, max_value=10**60).map(str),
)
SELECTION_PAGES = ["followup:relaunch_new", "followup:bulk_report_new"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", SELECTION_PAGES)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bad=BAD_IDS)
def test_a_selection_with_a_bad_id_is_refused_with_a_message(client, world, campaign, page, bad):
    client.force_login(world.ars)
    url = reverse(page, args=["84"])
    params = {"selection": "ticked", "establishment": [world.hospital.pk, bad], "campaign": "2025"}
    shown = client.get(url, params)
    sent = client.post(
        url, params | {"subject": "Auto-évaluation à transmettre", "message": "Merci."}
    )
    for response in (shown, sent):
        assert response.status_code == 400
        html = response.content.decode()
        assert "n’est pas un identifiant d’établissement" in html
        assert re.search("0 établissements? sélectionnés?", html)
    assert not Relaunch.objects.exists()
    assert not BulkReport.objects.exists()


@pytest.mark.django_db
def test_a_good_selection_still_goes_through(client, world, campaign):
    client.force_login(world.ars)
    params = {"selection": "ticked", "establishment": [world.hospital.pk, world.clinic.pk]}
    response = client.get(
        reverse("followup:relaunch_new", args=["84"]), params | {"campaign": "2025"}
    )
    assert response.status_code == 200
    assert "2 établissements sélectionnés" in response.content.decode()
