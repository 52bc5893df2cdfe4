"""The "Support" group: view everything the console shows, run its actions, change nothing.

View permissions on every model of guides, integrations, django_q (the task queue the
sync runs link to) and axes (sign-in lockouts, for "I cannot sign in"), plus users and groups (to see who a member is), plus
integrations.run_support_actions. No add, change or delete permission: secrets are never
editable, tenants never deletable by support. Superusers keep every permission.

Permissions are normally created after `migrate` finishes (post_migrate), so this migration
creates the ones it needs first, for a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Support"
VIEW_APPS = ("guides", "integrations", "django_q", "axes")
VIEW_AUTH_MODELS = ("user", "group")
ACTIONS = ("integrations", "run_support_actions")


def _ensure_permissions(apps) -> None:
    for label in (*VIEW_APPS, "auth"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def support_codenames(apps) -> list[tuple[str, str]]:
    wanted = [
        (label, f"view_{model._meta.model_name}")
        for label in VIEW_APPS
        for model in apps.get_app_config(label).get_models()
    ]
    wanted += [("auth", f"view_{name}") for name in VIEW_AUTH_MODELS]
    return [*wanted, ACTIONS]


def create_group(apps, schema_editor) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codename in support_codenames(apps)
    ]
    group.permissions.set(permissions)


def remove_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("guides", "0001_initial"),
        ("integrations", "0004_audit_support"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
