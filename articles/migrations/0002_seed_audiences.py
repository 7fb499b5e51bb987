"""Seed the four reading levels. Staff may edit the wording later in the admin."""

from django.db import migrations

AUDIENCES = [
    {
        "slug": "patient",
        "label": "Patient",
        "description": "I take this medicine, or I am thinking about it.",
        "reading_grade": 6,
        "order": 1,
        "is_default": True,
        "disclaimer_title": "Talk to your doctor",
        "disclaimer": (
            "This page helps you learn. It is not advice for you. Talk with your doctor or "
            "pharmacist before you start, stop or change a medicine. If you feel very low or "
            "think about hurting yourself, get help right away."
        ),
    },
    {
        "slug": "caregiver",
        "label": "Caregiver",
        "description": "I help someone who takes it, like a parent, partner or carer.",
        "reading_grade": 8,
        "order": 2,
        "is_default": False,
        "disclaimer_title": "Talk to their doctor",
        "disclaimer": (
            "This page helps you learn. It is not advice for the person you care for. Their "
            "doctor or pharmacist should answer questions about their treatment. If they seem "
            "very low or talk about hurting themselves, get help right away."
        ),
    },
    {
        "slug": "student",
        "label": "Student",
        "description": "I study medicine, nursing, pharmacy or another health science.",
        "reading_grade": 12,
        "order": 3,
        "is_default": False,
        "disclaimer_title": "For education only",
        "disclaimer": (
            "This summary is written for learning. It is not clinical guidance: check the "
            "primary sources and current guidelines, and follow your supervisors and local "
            "protocols in practice."
        ),
    },
    {
        "slug": "clinician",
        "label": "Clinician",
        "description": "I prescribe for or care for patients as a health professional.",
        "reading_grade": None,
        "order": 4,
        "is_default": False,
        "disclaimer_title": "Professional medical disclaimer",
        "disclaimer": (
            "This summary of published evidence is intended for healthcare professionals. It "
            "does not replace clinical judgement, the product's prescribing information or "
            "local and national guidance. Verify important details against the primary "
            "literature before applying them to an individual patient."
        ),
    },
]


def seed(apps, schema_editor):
    Audience = apps.get_model("articles", "Audience")
    for fields in AUDIENCES:
        Audience.objects.update_or_create(slug=fields["slug"], defaults=fields)


def unseed(apps, schema_editor):
    Audience = apps.get_model("articles", "Audience")
    Audience.objects.filter(slug__in=[a["slug"] for a in AUDIENCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
