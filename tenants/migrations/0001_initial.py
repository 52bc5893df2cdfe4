"""Tenant and Membership move here from guides, in place: their tables keep their names
(guides_tenant, guides_membership) and their rows, so only Django's state changes. The
foreign keys pointing at them follow in guides 0002 and integrations 0009, guides 0003 drops
the old models from guides' state, and tenants 0002 moves their ContentType rows (which the
Support group's permissions hang on)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tenants.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("guides", "0001_initial"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Tenant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("slug", models.SlugField(max_length=60, unique=True)),
                ("brand_color", models.CharField(default="#4f46e5", help_text="Accent colour of the candidate guides, as #rrggbb.", max_length=7, validators=[django.core.validators.RegexValidator("^#[0-9a-fA-F]{6}$", "Use a hex colour such as #4f46e5.")])),
                ("logo_url", models.URLField(blank=True)),
                ("default_timezone", models.CharField(default="UTC", help_text="Shown to candidates whose own time zone Ashby does not know.", max_length=64, validators=[tenants.models.validate_timezone])),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "guides_tenant",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("admin", "Admin"), ("member", "Member (read-only)")], default="member", max_length=10)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to=settings.AUTH_USER_MODEL)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="tenants.tenant")),
            ],
            options={
                "db_table": "guides_membership",
                "ordering": ["tenant__name"],
                "constraints": [models.UniqueConstraint(fields=("user", "tenant"), name="one_membership_per_tenant")],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
