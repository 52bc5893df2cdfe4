"""The shared request budget to the ATS (integrations/budget.py), when it lives in the
database; the Support group may view it (the group predates these tables)."""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

VIEWS = ("view_budgetstate", "view_budgetlease")


def grant(apps, schema_editor) -> None:
    app_config = apps.get_app_config("integrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="integrations", codename__in=VIEWS
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="integrations", codename__in=VIEWS
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0014_verbose_names'),
        ('tenants', '0002_content_types_follow_the_models'),
    ]

    operations = [
        migrations.CreateModel(
            name='BudgetLease',
            fields=[
                ('token', models.CharField(max_length=40, primary_key=True, serialize=False)),
                ('scope', models.CharField(db_index=True, max_length=80)),
                ('expires_at', models.FloatField()),
            ],
        ),
        migrations.CreateModel(
            name='BudgetState',
            fields=[
                ('scope', models.CharField(max_length=80, primary_key=True, serialize=False)),
                ('paused_until', models.FloatField(default=0.0, help_text='No call before this time.')),
                ('next_slot', models.FloatField(default=0.0, help_text="The bucket's next free send time.")),
                ('waiting_since', models.FloatField(blank=True, null=True)),
                ('waiting_until', models.FloatField(blank=True, null=True)),
                ('waiting_for', models.CharField(blank=True, max_length=20)),
                ('tenant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
            ],
            options={
                'verbose_name': 'request budget scope',
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
