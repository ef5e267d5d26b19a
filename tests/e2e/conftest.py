"""End-to-end fixtures: Debian's Chromium driven by Playwright against the live test server.

Each visited page is checked with axe-core (no serious or critical violation), must not be wider
than the screen at desktop (1280 px) or phone (390 px) width, must raise no JavaScript error
(console error or uncaught exception), and is screenshotted at both widths into the run's pytest
temporary directory (`screenshots/` under `pytest --basetemp`, or the directory pytest prints).
"""

import os
from pathlib import Path

import pytest

# Playwright's synchronous API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CARE_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}
# What makes the page wider than the screen: the deepest elements past its right edge that no
# scrolling or clipping box contains (a table must scroll inside its own box, not the page).
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const clips = el => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (clips(p)) return true;
    }
    return false;
  };
  const past = el => el.getBoundingClientRect().right > width + 1;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!past(el) || clipped(el) || (!clips(el) && [...el.children].some(past))) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string'
         ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    out.push(`${name} (${Math.round(el.getBoundingClientRect().right)}px)`);
    if (out.length === 5) break;
  }
  return out.length ? out : [`page ${document.documentElement.scrollWidth}px wide`];
}"""


@pytest.fixture(scope="session")
def browser():
    missing = [str(p) for p in (CHROMIUM, AXE_SCRIPT) if not p.exists()]
    if missing:
        message = (
            f"Browser tests need {', '.join(missing)}: "
            "apt-get install chromium, then npm ci in the project directory."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                # The browser's own words (date placeholders, file picker) in French too.
                "--lang=fr-FR",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Visitor:
    """A person's browser tab, with the checks every visited page goes through."""

    # Set for the whole run by the `screenshots` fixture.
    screenshots_dir: Path | None = None

    def __init__(self, page, base_url: str, name: str, screenshots: Path | None = None):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.screenshots = screenshots or self.screenshots_dir
        self.visited: list[str] = []
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url")
        # The page's own HTTP status (a 429 or 404 page a test means to reach) is not a script
        # error; a failed style sheet, script or image is.
        if message.text.startswith("Failed to load resource") and url == self.page.url:
            return
        self.errors.append(f"console: {message.text} ({url})")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        return response

    def check(self, label: str) -> None:
        """Accessibility (axe-core, WCAG 2.1 A/AA), no JavaScript error, screenshots of the
        current page, and no sideways scrolling of the whole page on a desktop or a phone."""
        self.page.wait_for_load_state("load")
        errors, self.errors = self.errors, []
        assert not errors, f"{label} ({self.page.url}): JavaScript errors:\n" + "\n".join(errors)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SCRIPT.read_text())
        results = self.page.evaluate(
            # Only violations are detailed: listing every passing node takes seconds on
            # long pages (dashboards, referential) and is never read.
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                resultTypes: ['violations']
            })"""
        )
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results["violations"]
            if v["impact"] in BLOCKING_IMPACTS
        ]
        assert not blocking, f"{label} ({self.page.url}):\n" + "\n".join(blocking)
        stem = f"{self.name}-{len(self.visited):02d}-{label}"
        self.page.screenshot(path=self.screenshots / f"{stem}-desktop.png", full_page=True)
        wider = self.page.evaluate(WIDER_THAN_SCREEN)
        assert not wider, f"{label} ({self.page.url}): wider than a 1280 px screen: " + "; ".join(
            wider
        )
        self.page.set_viewport_size(MOBILE)
        self.page.screenshot(path=self.screenshots / f"{stem}-mobile.png", full_page=True)
        wider = self.page.evaluate(WIDER_THAN_SCREEN)
        self.page.set_viewport_size(DESKTOP)
        assert not wider, f"{label} ({self.page.url}): wider than a phone screen: " + "; ".join(
            wider
        )
        errors, self.errors = self.errors, []
        assert not errors, f"{label} ({self.page.url}): JavaScript errors:\n" + "\n".join(errors)
        self.visited.append(label)

    def sign_in(self, email: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.check("connexion")
        self.page.get_by_label("Adresse électronique").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state("load")


@pytest.fixture(scope="session", autouse=True)
def screenshots(tmp_path_factory) -> Path:
    """Where the pages' screenshots go: the run's pytest temporary directory."""
    path = tmp_path_factory.mktemp("screenshots", numbered=False)
    Visitor.screenshots_dir = path
    return path


@pytest.fixture
def visitor(browser, live_server, request, screenshots):
    """A fresh browser context per test (no shared cookies), named after the test."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Visitor(page, live_server.url, request.node.name.removeprefix("test_"), screenshots)
    context.close()


@pytest.fixture
def second_visitor(browser, live_server, request, screenshots):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    name = request.node.name.removeprefix("test_") + "-2"
    yield Visitor(page, live_server.url, name, screenshots)
    context.close()
