"""Store every account's e-mail address in its normalised spelling (see `normalize_address`).

Sign-in looks accounts up by that spelling; an address saved before with capitals or
look-alike characters is rewritten, unless another account already holds the normalised form
(then both are left as they are and an administrator decides).
"""

import unicodedata

from django.db import migrations


def _normalize(address: str) -> str:
    # A frozen copy of establishments.models.normalize_address: this step must not change later.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    return folded.strip()


def normalize_addresses(apps, schema_editor):
    User = apps.get_model("establishments", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for user in User.objects.only("pk", "email").order_by("pk"):
        normalized = _normalize(user.email)
        if normalized != user.email and normalized not in taken:
            taken.discard(user.email)
            taken.add(normalized)
            User.objects.filter(pk=user.pk).update(email=normalized)


class Migration(migrations.Migration):
    dependencies = [("establishments", "0002_seed_regions_and_departments")]

    operations = [migrations.RunPython(normalize_addresses, migrations.RunPython.noop)]
