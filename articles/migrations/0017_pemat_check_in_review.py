from django.db import migrations, models


def check_patient_and_caregiver_texts(apps, schema_editor):
    """PEMAT-P is for materials written for patients: the patient and caregiver texts."""
    Audience = apps.get_model("articles", "Audience")
    Audience.objects.filter(slug__in=["patient", "caregiver"]).update(health_literacy_check=True)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0016_tables_and_checklists'),
    ]

    operations = [
        migrations.AddField(
            model_name='audience',
            name='health_literacy_check',
            field=models.BooleanField(default=False, help_text='The medical reviewer rates this text with PEMAT-P (understandability and actionability) before approving it; a score under 70 % needs their reason.', verbose_name='PEMAT-P check in review'),
        ),
        migrations.RunPython(check_patient_and_caregiver_texts, migrations.RunPython.noop),
    ]
