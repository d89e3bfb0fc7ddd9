"""The outbox holds every email's body: donors' receipts and working links (confirmation,
preferences, cancel). Only superusers read it, so the Data manager role loses it."""

from django.db import migrations


def _outbox_permission_and_group(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="campaign_site", codename="view_outboundemail"
    ).first()
    return permission, Group.objects.filter(name="Data manager").first()


def remove(apps, schema_editor):
    permission, group = _outbox_permission_and_group(apps)
    if permission and group:
        group.permissions.remove(permission)


def restore(apps, schema_editor):
    permission, group = _outbox_permission_and_group(apps)
    if permission and group:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("campaign_site", "0005_campaignsettings_volunteer_data_retained_until")]

    operations = [migrations.RunPython(remove, restore)]
