from datetime import date

from django.core.management.base import BaseCommand, CommandError

from assessments.campaigns import CampaignError, open_campaign, resolve_referential


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Date invalide (attendu AAAA-MM-JJ) : {text}") from None


class Command(BaseCommand):
    help = (
        "Open a campaign: create it if needed and one assessment per active establishment "
        "(of one region with --region). Idempotent: a second run creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--referential", required=True, help="CODE (latest published version) or CODE:VERSION"
        )
        parser.add_argument("--region", help="INSEE code of the region (e.g. 84)")
        parser.add_argument("--opens-on", type=_date, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--closes-on", type=_date, help="YYYY-MM-DD (default: 31 December)")

    def handle(self, *args, year, referential, region, opens_on, closes_on, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"Année invalide : {year}")
        try:
            result = open_campaign(
                year=year,
                referential=resolve_referential(referential),
                region=region,
                opens_on=opens_on,
                closes_on=closes_on,
            )
        except CampaignError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(result.summary())
        campaign = result.campaign
        self.stdout.write(f"Ouverture : {campaign.opens_on} ; clôture : {campaign.closes_on}")
