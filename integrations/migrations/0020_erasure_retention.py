"""Erasure and retention (issue 21): the candidate a delivery is about and when its body was
erased, with their indexes; the tenant's background data erasure, which the Support group may
view; the audit trail's new actions."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

VIEWS = ("view_tenanterasure",)


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
        ('integrations', '0016_sync_slices'),
        ('tenants', '0003_staff_profile_and_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TenantErasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_by_name', models.CharField(blank=True, max_length=150, verbose_name='requested by')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('progress', models.JSONField(blank=True, default=dict, help_text='Rows deleted so far, per kind of data.')),
                ('current', models.CharField(blank=True, help_text='The kind of data being deleted.', max_length=80, verbose_name='deleting now')),
                ('error', models.TextField(blank=True)),
            ],
            options={
                'verbose_name': 'tenant data erasure',
                'ordering': ['-requested_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='body_erased_at',
            field=models.DateTimeField(blank=True, help_text='When its body and headers were replaced by a note (erasure or retention).', null=True, verbose_name='body erased'),
        ),
        # Rows received before this migration read "?" (not noted yet: retention's pass reads
        # their bodies); a constant default is instant on PostgreSQL, whatever the table's size.
        migrations.AddField(
            model_name='webhookdelivery',
            name='candidate_id',
            field=models.CharField(blank=True, default='?', max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='candidate_id',
            field=models.CharField(blank=True, default='', help_text='The candidate the delivery is about, noted when it is received.', max_length=64, verbose_name="candidate's ATS id"),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('ashby_connected', 'Connected Ashby'), ('ashby_key_replaced', 'Replaced the Ashby API key'), ('ashby_disconnected', 'Disconnected Ashby'), ('synced_data_deleted', 'Deleted the synced data'), ('webhook_secret_rotated', 'Rotated a webhook secret'), ('previous_secret_revoked', "Revoked a webhook's previous secret"), ('sync_requested', 'Sync now'), ('full_resync_requested', 'Full resync'), ('connection_disabled', 'Disabled the connection'), ('connection_enabled', 'Enabled the connection'), ('key_checked', 'Checked the key against Ashby'), ('delivery_replayed', 'Replayed a webhook delivery'), ('delivery_ignored', 'Marked a webhook delivery ignored'), ('person_exported', "Exported a person's data"), ('person_erased', "Erased a person's data"), ('tenant_erasure_started', "Started deleting the tenant's data"), ('tenant_erasure_finished', "Deleted the tenant's data")], max_length=40),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('candidate_id', ''), _negated=True), fields=['tenant', 'candidate_id'], name='delivery_candidate'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('body_erased_at__isnull', True)), fields=['received_at'], name='delivery_body_kept'),
        ),
        migrations.AddField(
            model_name='tenanterasure',
            name='requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='tenanterasure',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant'),
        ),
        migrations.AddConstraint(
            model_name='tenanterasure',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'running'])), fields=('tenant',), name='one_active_erasure_per_tenant'),
        ),
        migrations.RunPython(grant, revoke),
    ]
