"""Overseas departments read as people know them (971-976), FINESS's codes kept where data leaves."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from establishments.geography import DEPARTMENTS, department_display_code
from tests.factories import DepartmentFactory, EstablishmentFactory, RegionFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "finess, shown",
    [("9A", "971"), ("9B", "972"), ("9C", "973"), ("9D", "974"), ("9E", "975"), ("9F", "976")],
)
def test_overseas_departments_show_their_insee_code(finess, shown):
    assert department_display_code(finess) == shown


@given(st.sampled_from([d.code for d in DEPARTMENTS]))
def test_every_department_shows_digits_or_corsica(code):
    shown = department_display_code(code)
    assert shown.isdigit() or shown in ("2A", "2B")


def test_pages_show_971_and_the_registry_keeps_9a(client):
    region = RegionFactory(code="01", name="Guadeloupe")
    department = DepartmentFactory(code="9A", name="Guadeloupe", region=region)
    establishment = EstablishmentFactory(department=department, name="CHU de Pointe-à-Pitre")
    assert str(department) == "971 — Guadeloupe"
    assert establishment.department_id == "9A"
    client.force_login(user_with_role("ars", region))
    listing = client.get("/establishments/").content.decode()
    assert "<td>971</td>" in listing and "<td>9A</td>" not in listing
    detail = client.get(f"/establishments/{establishment.finess}/").content.decode()
    assert "971 — Guadeloupe" in detail
