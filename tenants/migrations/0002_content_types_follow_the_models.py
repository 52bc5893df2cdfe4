"""Tenant and Membership's ContentType rows move from app label "guides" to "tenants".

Permissions (view_tenant, change_membership, ...) and admin log entries point at a content
type by id, so renaming the rows keeps every grant: the Support group (integrations 0005)
keeps viewing tenants and members, and no second set of content types appears after
`migrate`. On a fresh database the rows were created by integrations 0005 under "guides";
this runs after it.
"""

from django.db import migrations

MODELS = ("tenant", "membership")


def _move(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already moved (or created under the new label): nothing to carry over
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _move(apps, "guides", "tenants")


def backwards(apps, schema_editor) -> None:
    _move(apps, "tenants", "guides")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenants", "0001_initial"),
        ("guides", "0003_tenant_and_membership_leave_guides"),
        ("integrations", "0009_tenant_foreign_keys_to_tenants"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
