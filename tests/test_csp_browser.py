"""In a real browser, under the Content Security Policy, DSFR's JavaScript still runs."""

import os

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def portal_url(transactional_db):
    """The portal served on loopback by a test thread; static files come through whitenoise.

    Django's own test server also wraps the site in a media-files handler, which fails when
    MEDIA_URL is None (evidence is only served by a scoped view): it is left out here.
    """
    shared = {}
    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            connection.inc_thread_sharing()
            shared[connection.alias] = connection
    thread = LiveServerThread(
        "127.0.0.1",
        static_handler=lambda media_handler: media_handler.application,
        connections_override=shared,
        port=0,
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def browser_page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM then needs the flag.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 800})
        yield page
        browser.close()


def test_dsfr_scripts_run_and_nothing_is_blocked(portal_url, browser_page, world):
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(portal_url + reverse("login"))
    page.fill("#id_username", world.rssi.email)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(portal_url + reverse("home"))
    # DSFR marks the document once its script has started.
    page.wait_for_function("document.documentElement.hasAttribute('data-fr-js')")
    # On a narrow screen the menu is a DSFR modal that only JavaScript opens.
    page.click("#button-menu")
    page.wait_for_selector("#modal-menu.fr-modal--opened")
    assert page.is_visible("text=Établissements")
    blocked = [text for text in console if "Content Security Policy" in text]
    assert blocked == []
