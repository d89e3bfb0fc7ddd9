"""The three roles organisers are given, as groups with exactly the permissions they need.

- Organiser: sessions and their sign-ups, updates to the list, the campaign's copy.
- Agent: donations, their permissibility checks and the spending-return export.
- Data manager: supporters (search, export, erasure), sign-up exports, the outbox.

Exports of personal data are separate permissions. No role manages accounts, groups or
two-factor devices: only a superuser does.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Organiser": [
        ("events", "add_event"), ("events", "change_event"), ("events", "delete_event"),
        ("events", "view_event"), ("events", "view_rsvp"), ("events", "change_rsvp"),
        ("volunteers", "add_update"), ("volunteers", "change_update"),
        ("volunteers", "delete_update"), ("volunteers", "view_update"),
        ("volunteers", "send_update"),
        ("campaign_site", "view_campaignsettings"), ("campaign_site", "change_campaignsettings"),
    ],
    "Agent": [
        ("donations", "view_donation"), ("donations", "change_donation"),
        ("donations", "check_donation"), ("donations", "export_donation"),
        ("donations", "view_donationtocheck"), ("donations", "change_donationtocheck"),
        ("donations", "view_donor"), ("donations", "view_payment"), ("donations", "view_refund"),
        ("donations", "view_stripeevent"), ("donations", "view_donationsettings"),
        ("donations", "change_donationsettings"),
    ],
    "Data manager": [
        ("volunteers", "view_supporter"), ("volunteers", "change_supporter"),
        ("volunteers", "delete_supporter"), ("volunteers", "export_supporters"),
        ("volunteers", "view_consent"), ("volunteers", "view_suppression"),
        ("events", "view_event"), ("events", "view_rsvp"), ("events", "export_rsvps"),
        ("campaign_site", "view_outboundemail"),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in wanted
        ]
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaign_site", "0003_audit_event"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("volunteers", "0003_update_created_by_blank"),
        ("events", "0002_alter_event_options"),
        ("donations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
