from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("campaign_site", "0004_roles")]

    operations = [
        migrations.AddField(
            model_name="campaignsettings",
            name="volunteer_data_retained_until",
            field=models.DateField(
                blank=True,
                help_text="After this date (say, a month after polling day) supporters' personal data is erased automatically: names, emails, postcodes, phone numbers and sign-up names. Counts are kept, and so are donation records, which the law requires.",
                null=True,
                verbose_name="keep volunteer data until",
            ),
        ),
    ]
