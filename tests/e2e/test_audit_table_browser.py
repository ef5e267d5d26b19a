"""The audit log reads at 1280 px: long values wrap, no column is pushed off-screen."""

import pytest

from audit.models import Action
from audit.services import record_event
from tests.e2e.conftest import DESKTOP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# How far the table reaches past the visible part of its scrolling box, in pixels.
OVERFLOW = """() => {
  const table = document.querySelector('main table');
  const box = table.closest('.fr-table__container') || table.parentElement;
  return Math.round(table.getBoundingClientRect().width - box.clientWidth);
}"""


def test_long_values_wrap_inside_the_screen(visitor, world, client, screenshots):
    long_file = "rapports-" + "-".join(f"etablissement{n:03d}" for n in range(40)) + ".zip"
    for n in range(3):
        record_event(
            actor=world.ars,
            action=Action.RELAUNCH,
            region=world.region,
            target="Campagne CaRE 2025 : votre auto-évaluation est attendue avant la clôture " * 2,
            detail={
                "relaunch": n,
                "count": 312,
                "selection": "filters",
                "filters": {"status": ["not_started"], "hl_exercise": ["not_met"]},
                "about": "Campagne 2025 ; Avancement : Non commencée ; "
                "Exercice de crise dans les 12 mois : Non atteinte ; Type : Établissement de santé",
            },
        )
    record_event(
        actor=world.ars, action=Action.EXPORT, region=world.region, target=long_file, detail={}
    )
    client.force_login(world.ars)
    visitor.page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": visitor.base_url,
            }
        ]
    )
    visitor.page.set_viewport_size(DESKTOP)
    visitor.goto("/audit/")
    assert "Relance d'établissements" in visitor.page.content()
    visitor.page.screenshot(path=screenshots / "journal-audit-1280.png", full_page=True)
    assert visitor.page.evaluate(OVERFLOW) <= 1
    # Every column header is on the screen.
    for header in visitor.page.locator("main table thead th").all():
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= DESKTOP["width"] + 1, (
            header.inner_text()
        )
