"""The stored PDF report of a submitted or validated assessment."""

from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def report_storage():
    """The ``reports`` storage (local disk, or object storage when configured)."""
    return storages["reports"]


class StoredReport(models.Model):
    """The last PDF rendered for a transmitted assessment, with what it was rendered from.

    ``key`` digests the assessment (its version, status and dates), its referential and the
    report's template: the file is served while the key is unchanged, and rendered again
    otherwise. ``sha256`` is checked each time the file is served.
    """

    assessment = models.OneToOneField(
        "assessments.Assessment",
        on_delete=models.CASCADE,
        related_name="stored_report",
        verbose_name=_("auto-évaluation"),
    )
    key = models.CharField(_("clé de rendu"), max_length=64)
    file = models.FileField(_("fichier"), storage=report_storage, max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("taille (octets)"))
    rendered_at = models.DateTimeField(_("rendu le"))

    class Meta:
        verbose_name = _("rapport enregistré")
        verbose_name_plural = _("rapports enregistrés")

    def __str__(self) -> str:
        return self.file.name
