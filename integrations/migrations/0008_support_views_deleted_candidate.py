"""The Support group may view the deleted-candidate tombstones (added after the group)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor) -> None:
    app_config = apps.get_app_config("integrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="integrations", codename="view_deletedcandidate"
    )
    for group in Group.objects.filter(name="Support"):
        group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="integrations", codename="view_deletedcandidate"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0007_deleted_candidate")]

    operations = [migrations.RunPython(grant, revoke)]
