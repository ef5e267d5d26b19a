"""The demo data set: the real-format FINESS extract, GHTs, one person per role, two campaigns.

Last year's campaign runs on version 1 of the referential, this year's on version 2 (an
assessment never changes referential); some of this year's drafts start from last year's
answers, carried over through version 2's code map.

Everything goes through the same services as real use (imports, grants, loader, campaign
opening, answer saving, workflow), so the demo exercises the real paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.two_factor import manual_key, otp_demo_device, requires_two_factor
from demo.campaigns import seed_campaigns
from demo.funding import seed_candidacies
from establishments.models import GHT, Establishment, Kind, User
from establishments.roles import grant_role
from establishments.services import import_finess, import_ght
from referential.loader import load_referential_file

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FINESS_FILE = FIXTURES / "finess" / "finess-demo.csv"
GHT_FILE = FIXTURES / "finess" / "ght-demo.csv"
REFERENTIAL_FILE = FIXTURES / "referential" / "care-2025.yaml"
REFERENTIAL_V2_FILE = FIXTURES / "referential" / "care-2026.yaml"
DEMO_PASSWORD = "demo-care-2025"  # noqa: S105 - published demo credentials
DEMO_REGION = "84"
# The authenticator secret shared by the demo accounts that must use two-factor sign-in.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"


@dataclass
class DemoAccount:
    email: str
    role: str
    scope: str | None
    first_name: str
    last_name: str
    label: str


def seed_registry() -> tuple[str, str]:
    """Import the demo FINESS extract and GHT file; returns their summaries."""
    finess = import_finess(path=FINESS_FILE)
    if not finess.ok:
        raise RuntimeError(f"Extrait FINESS de démonstration refusé : {finess.errors[:3]}")
    ght = import_ght(path=GHT_FILE)
    if not ght.ok:
        raise RuntimeError(f"Fichier GHT de démonstration refusé : {ght.errors[:3]}")
    return finess.counts_text(), f"{GHT.objects.count()} GHT"


def demo_accounts() -> list[DemoAccount]:
    """One account per role, all in the demo region so their scopes overlap in a readable way."""
    ght = GHT.objects.filter(region_id=DEMO_REGION, support_establishment__isnull=False).first()
    hospital = ght.support_establishment
    nursing_home = (
        Establishment.objects.filter(region_id=DEMO_REGION, kind=Kind.ESSMS)
        .order_by("finess")
        .first()
    )
    return [
        DemoAccount(
            "national@demo.care.fr", "national", None, "Nadia", "Nationale", "tout le territoire"
        ),
        DemoAccount(
            "ars.ara@demo.care.fr",
            "ars",
            DEMO_REGION,
            "Arnaud",
            "Régional",
            "ARS Auvergne-Rhône-Alpes",
        ),
        DemoAccount("ght@demo.care.fr", "ght", ght.code, "Gaëlle", "Territoire", str(ght)),
        DemoAccount(
            "rssi@demo.care.fr", "rssi", hospital.finess, "Romain", "Sécurité", str(hospital)
        ),
        DemoAccount(
            "direction@demo.care.fr",
            "director",
            hospital.finess,
            "Delphine",
            "Directrice",
            str(hospital),
        ),
        DemoAccount(
            "rssi.ehpad@demo.care.fr",
            "rssi",
            nursing_home.finess,
            "Élise",
            "Médico-social",
            str(nursing_home),
        ),
    ]


def seed_people() -> list[DemoAccount]:
    accounts = demo_accounts()
    for account in accounts:
        grant_role(
            email=account.email,
            role=account.role,
            scope=account.scope,
            password=DEMO_PASSWORD,
            first_name=account.first_name,
            last_name=account.last_name,
        )
    admin = User.objects.filter(email="admin@demo.care.fr").first()
    if admin is None:
        User.objects.create_superuser(
            email="admin@demo.care.fr",
            password=DEMO_PASSWORD,
            first_name="Adèle",
            last_name="Admin",
        )
    for user in User.objects.filter(email__endswith="@demo.care.fr"):
        if requires_two_factor(user):
            otp_demo_device(user, DEMO_TOTP_KEY)
    return accounts


def demo_totp_key() -> str:
    """The demo secret as typed into an authenticator application."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return manual_key(TOTPDevice(key=DEMO_TOTP_KEY))


@transaction.atomic
def seed_all(*, stdout) -> None:
    registry = seed_registry()
    stdout.write(f"Registre : {registry[0]} ; {registry[1]}")
    loaded = load_referential_file(REFERENTIAL_FILE)
    stdout.write(loaded.summary)
    loaded_v2 = load_referential_file(REFERENTIAL_V2_FILE)
    stdout.write(loaded_v2.summary)
    accounts = seed_people()
    stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for account in accounts:
        stdout.write(f"  {account.email:<28} {account.role:<9} {account.label}")
    stdout.write(f"  {'admin@demo.care.fr':<28} {'admin':<9} administration Django")
    forced = {
        account.scope: state
        for account, state in zip(accounts[3:], ("carried", "carried", "not_started"), strict=True)
    }
    stdout.write(
        seed_campaigns(
            referential=loaded_v2.referential,
            previous_referential=loaded.referential,
            region=DEMO_REGION,
            forced=forced,
        )
    )
    stdout.write(
        seed_candidacies(
            region=DEMO_REGION, exclude={account.scope for account in accounts if account.scope}
        )
    )
    stdout.write(
        "Les comptes national, ARS et admin se connectent avec un second facteur : ajoutez "
        "cette clé à une application d'authentification (TOTP, 6 chiffres, 30 s) : "
        f"{demo_totp_key()}"
    )
