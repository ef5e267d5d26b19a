"""The accessibility statement: public, linked from every page's footer, honest about its status."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_statement_is_public_and_linked_from_the_footer(unverified_client):
    login_page = unverified_client.get(reverse("login")).content.decode()
    assert f'href="{reverse("accessibility")}"' in login_page
    assert "Accessibilité : non conforme" in login_page
    response = unverified_client.get(reverse("accessibility"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Déclaration d’accessibilité</h1>" in page
    assert "RGAA" in page
    assert "Voies de recours" in page


@pytest.mark.django_db
def test_statement_keeps_the_signed_in_navigation(client, world):
    client.force_login(world.rssi)
    page = client.get(reverse("accessibility")).content.decode()
    assert "Mes auto-évaluations" in page
