"""Words people read: verbose names of the integration's models and fields ("webhook
deliveries", not "webhook deliverys"), and the Support group may view the staff profiles
(tenants 0003), as it views every model of the console."""

import django.utils.timezone
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def grant(apps, schema_editor) -> None:
    app_config = apps.get_app_config("tenants")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="tenants", codename="view_staffprofile"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="tenants", codename="view_staffprofile"
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0013_delivery_attempts'),
        ('tenants', '0003_staff_profile_and_verbose_names'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='ashbyconnection',
            options={'verbose_name': 'Ashby connection', 'verbose_name_plural': 'Ashby connections'},
        ),
        migrations.AlterModelOptions(
            name='syncseen',
            options={'verbose_name': 'id seen by a full sync', 'verbose_name_plural': 'ids seen by full syncs'},
        ),
        migrations.AlterModelOptions(
            name='webhookdelivery',
            options={'ordering': ['-received_at', '-id'], 'verbose_name': 'webhook delivery', 'verbose_name_plural': 'webhook deliveries'},
        ),
        migrations.AlterField(
            model_name='ashbyconnection',
            name='connected_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='connected'),
        ),
        migrations.AlterField(
            model_name='ashbyconnection',
            name='key_last4',
            field=models.CharField(max_length=4, verbose_name="key's last four characters"),
        ),
        migrations.AlterField(
            model_name='ashbyconnection',
            name='last_checked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='key last checked'),
        ),
        migrations.AlterField(
            model_name='ashbyconnection',
            name='status_reason',
            field=models.TextField(blank=True, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='ashbyconnection',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor_name',
            field=models.CharField(blank=True, help_text='Kept if the user goes.', max_length=150, verbose_name="actor's name"),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='when'),
        ),
        migrations.AlterField(
            model_name='deletedcandidate',
            name='deleted_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='deleted'),
        ),
        migrations.AlterField(
            model_name='deletedcandidate',
            name='external_id',
            field=models.CharField(max_length=64, verbose_name='ATS id'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='full',
            field=models.BooleanField(default=False, help_text='A full pass of every resource.', verbose_name='full sync'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last heartbeat'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='requested_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='task_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='task id'),
        ),
        migrations.AlterField(
            model_name='syncseen',
            name='external_id',
            field=models.CharField(max_length=64, verbose_name='ATS id'),
        ),
        migrations.AlterField(
            model_name='syncstate',
            name='last_full_sync_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last full sync'),
        ),
        migrations.AlterField(
            model_name='syncstate',
            name='last_synced_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sync'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next attempt'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='processed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='processed'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='received_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='received'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='processing started'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='swept_at',
            field=models.DateTimeField(blank=True, help_text='When the sweep last enqueued it again.', null=True, verbose_name='last swept'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='webhook_action_id',
            field=models.CharField(blank=True, max_length=100, verbose_name='webhook action id'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='ashby_webhook_id',
            field=models.CharField(blank=True, help_text='Set when Guide created the webhook through the API.', max_length=64, verbose_name='Ashby webhook id'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='last_delivery_at',
            field=models.DateTimeField(blank=True, help_text='Any request to this URL, signed or not.', null=True, verbose_name='last delivery'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='last_signature_failure_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last signature failure'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='last_valid_delivery_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last valid delivery'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='secret_rotated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='secret rotated'),
        ),
        migrations.RunPython(grant, revoke),
    ]
