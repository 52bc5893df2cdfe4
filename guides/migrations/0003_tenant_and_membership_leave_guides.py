"""Tenant and Membership leave guides' state; their tables (now tenants') keep every row.
Runs after every foreign key to them points at tenants.Tenant."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('guides', '0002_tenant_foreign_keys_to_tenants'),
        ('integrations', '0009_tenant_foreign_keys_to_tenants'),
    ]

    # State only: the tables guides_tenant and guides_membership now belong to tenants.
    state_operations = [
        migrations.DeleteModel(
            name='Membership',
        ),
        migrations.DeleteModel(
            name='Tenant',
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
