from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("guides", "0007_interviewer_profiles"),
    ]

    operations = [
        migrations.AddField(
            model_name="guide",
            name="last_language",
            field=models.CharField(blank=True, default="", max_length=10, verbose_name="last read in"),
        ),
    ]
