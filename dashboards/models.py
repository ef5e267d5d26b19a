"""The per-campaign summary the dashboards read: additive counts per group of establishments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The row of a campaign saying its summary was built (every group present since).
BUILT = "*"


class CampaignSummary(models.Model):
    """The counts of one group (region, department, GHT, kind, legal status) for a campaign:
    the same aggregates as the dashboards' live grouped count (``dashboards.figures``), kept
    exact with every snapshot write (``dashboards.summary``). ``ght_id`` 0: outside any GHT."""

    campaign = models.ForeignKey("assessments.Campaign", on_delete=models.CASCADE, related_name="+")
    region_id = models.CharField(_("région"), max_length=8)
    department_id = models.CharField(_("département"), max_length=8)
    ght_id = models.IntegerField(_("GHT"), default=0)
    kind = models.CharField(_("type"), max_length=5)
    legal_status = models.CharField(_("statut juridique"), max_length=255, blank=True)
    # The counts as one JSON object, kept as the text the database wrote: the dashboards read
    # (and digest) that text, which a jsonb column would have to write out again on every read
    # (a third of the national dashboard's time in the database).
    counts = models.TextField(_("compteurs (JSON)"), default="{}")

    class Meta:
        verbose_name = _("synthèse de campagne")
        verbose_name_plural = _("synthèses de campagne")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_id", "department_id", "ght_id", "kind", "legal_status"],
                name="campaign_summary_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_id}/{self.department_id}/{self.ght_id}/{self.kind}"
