"""The campaign's first settings row, in the project's own words (see seed.py)."""

from django.db import migrations

from campaign_site.core.seed import CAMPAIGN


def seed_campaign(apps, schema_editor):
    CampaignSettings = apps.get_model("campaign_site", "CampaignSettings")
    CampaignSettings.objects.get_or_create(pk=1, defaults=CAMPAIGN)


class Migration(migrations.Migration):
    dependencies = [("campaign_site", "0001_initial")]

    operations = [migrations.RunPython(seed_campaign, migrations.RunPython.noop)]
