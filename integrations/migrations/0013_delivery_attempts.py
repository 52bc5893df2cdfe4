"""A delivery's history: DeliveryAttempt (one row per processing attempt), the delivery's
running count of attempts (existing deliveries start from the attempts they made) and who
asked for its latest replay, the index of deliveries failing lately, and the Support group's
view permission on attempts (shown inline on a delivery's page).

Numbered 0013: 0012 is another branch's; the lead re-links the dependency at merge time.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.models import F


def count_earlier_attempts(apps, schema_editor) -> None:
    WebhookDelivery = apps.get_model("integrations", "WebhookDelivery")
    WebhookDelivery.objects.filter(attempts__gt=0).update(attempts_total=F("attempts"))


def grant_support_view(apps, schema_editor) -> None:
    app_config = apps.get_app_config("integrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="integrations", codename="view_deliveryattempt"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0012_webhook_secret_grace"),
        ("tenants", "0002_content_types_follow_the_models"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeliveryAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(
                        help_text="1 for the first attempt, then 2, 3, ..."
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("first", "First attempt"),
                            ("retry", "Automatic retry"),
                            ("replay", "Replay"),
                        ],
                        max_length=10,
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                (
                    "result",
                    models.CharField(
                        choices=[
                            ("processed", "Applied"),
                            ("ignored", "Ignored"),
                            ("retrying", "Failed, will retry"),
                            ("failed", "Failed"),
                        ],
                        max_length=12,
                    ),
                ),
                (
                    "message",
                    models.TextField(help_text="What happened, in a sentence support can read."),
                ),
                (
                    "details",
                    models.TextField(
                        blank=True,
                        help_text="For engineers: the exception's type and text, when one was raised.",
                    ),
                ),
                (
                    "requested_by",
                    models.CharField(
                        blank=True,
                        help_text="Who asked for the replay (a username).",
                        max_length=150,
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery attempt",
                "ordering": ["delivery", "number"],
            },
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="attempts_total",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Every processing attempt, replays included (its history's length).",
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="replay_requested_by",
            field=models.CharField(
                blank=True,
                help_text="Who asked for its latest replay (a username).",
                max_length=150,
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="attempts",
            field=models.PositiveIntegerField(
                default=0, help_text="Processing attempts since it was received or last replayed."
            ),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status__in", ["failed", "retrying"])),
                fields=["subscription", "started_at"],
                name="delivery_failing",
            ),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="delivery",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="history",
                to="integrations.webhookdelivery",
            ),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenants.tenant"
            ),
        ),
        migrations.AddIndex(
            model_name="deliveryattempt",
            index=models.Index(
                condition=models.Q(("result__in", ["retrying", "failed"])),
                fields=["tenant", "-finished_at"],
                name="attempt_failed_recently",
            ),
        ),
        migrations.AddConstraint(
            model_name="deliveryattempt",
            constraint=models.UniqueConstraint(
                fields=("delivery", "number"), name="one_attempt_per_number"
            ),
        ),
        migrations.RunPython(count_earlier_attempts, migrations.RunPython.noop),
        migrations.RunPython(grant_support_view, migrations.RunPython.noop),
    ]
