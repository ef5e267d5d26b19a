"""Error pages in the portal's look: not found, access refused, expired form, unexpected error."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied, server_error

from tests.html_checks import csp_problems


@pytest.mark.django_db
def test_page_not_found_keeps_the_portal_navigation(client, world):
    client.force_login(world.rssi)
    response = client.get("/establishments/000000000/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "<h1>Page non trouvée</h1>" in page
    assert "Erreur 404" in page
    assert "Mes auto-évaluations" in page  # the signed-in person's menu
    assert 'href="/"' in page
    assert csp_problems(response) == []


@pytest.mark.django_db
def test_page_not_found_when_signed_out(unverified_client):
    response = unverified_client.get("/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page non trouvée" in page
    assert "Se connecter" in page


def test_access_refused_page():
    request = RequestFactory().get("/assessments/1/")
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Accès refusé</h1>" in page
    assert "Erreur 403" in page


@pytest.mark.django_db
def test_expired_form_page(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": world.rssi.email, "password": "wrong"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulaire expiré" in page
    assert "Rien n’a été enregistré" in page


def test_unexpected_error_page_needs_no_database():
    # No django_db mark: any query made while rendering would fail this test.
    request = RequestFactory().get("/dashboards/national/")
    response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "<h1>Erreur inattendue</h1>" in page
    assert "Erreur 500" in page
    assert "Se connecter" in page
