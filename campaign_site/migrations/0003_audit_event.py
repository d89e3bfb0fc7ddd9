import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaign_site", "0002_seed_campaign"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("actor_name", models.CharField(help_text="The account's username at the time (kept if it is deleted).", max_length=150)),
                ("action", models.CharField(choices=[("export", "Export"), ("erasure", "Erasure"), ("bulk_email", "Bulk email"), ("retention", "Retention erasure")], max_length=20)),
                ("what", models.CharField(max_length=300)),
                ("rows", models.PositiveIntegerField(default=0)),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["-created_at"]},
        ),
    ]
