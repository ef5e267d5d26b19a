"""In a real browser, under the Content Security Policy, DSFR's JavaScript still runs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_dsfr_scripts_run_and_nothing_is_blocked(visitor, world):
    page = visitor.page
    page.set_viewport_size({"width": 390, "height": 800})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(visitor.base_url + reverse("login"))
    page.fill("#id_username", world.rssi.email)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(visitor.base_url + reverse("home"))
    # DSFR marks the document once its script has started.
    page.wait_for_function("document.documentElement.hasAttribute('data-fr-js')")
    # On a narrow screen the menu is a DSFR modal that only JavaScript opens.
    page.click("#button-menu")
    page.wait_for_selector("#modal-menu.fr-modal--opened")
    assert page.is_visible("text=Établissements")
    blocked = [text for text in console if "Content Security Policy" in text]
    assert blocked == []
