"""Roles as groups, synced from the table in settings (CAMPAIGN_ROLES) after every migrate.

Each group gets exactly the permissions the table lists: a permission added to the table is
granted on the next migrate, one removed is taken away. Groups not in the table are left alone.
"""

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction


def _permission(name: str) -> Permission:
    app_label, _, codename = name.partition(".")
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise ImproperlyConfigured(
            f"CAMPAIGN_ROLES names {name!r}, which no model defines."
        ) from None


@transaction.atomic
def roles_sync(*, roles: dict[str, list[str]]) -> None:
    for role, wanted in roles.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(name) for name in wanted])


def roles_sync_after_migrate(*, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (once per migrate). Django creates each app's permissions in its
    own post_migrate step, in app order; make sure every app's exist before the groups are set."""
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    roles_sync(roles=settings.CAMPAIGN_ROLES)
