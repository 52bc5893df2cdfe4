"""Every tenant foreign key of integrations now points at tenants.Tenant, the same table
(guides_tenant) as before: see tenants 0001."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0008_support_views_deleted_candidate'),
        ('tenants', '0001_initial'),
    ]

    # State only: the table and its foreign key constraints stay as they are.
    state_operations = [
        migrations.AlterField(
            model_name='ashbyconnection',
            name='tenant',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='ashby_connection', to='tenants.tenant'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant'),
        ),
        migrations.AlterField(
            model_name='deletedcandidate',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_deliveries', to='tenants.tenant'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_subscriptions', to='tenants.tenant'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
