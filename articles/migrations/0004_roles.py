"""The two staff roles, as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
REVIEWERS = "Medical reviewers"

READ = [
    "view_article",
    "view_revision",
    "view_variant",
    "view_citation",
    "view_source",
    "view_audience",
    "view_reviewevent",
]
ROLES = {
    EDITORS: READ
    + [
        "add_article",
        "change_article",
        "add_revision",
        "change_revision",
        "submit_revision",
        "add_variant",
        "change_variant",
        "delete_variant",
        "add_citation",
        "change_citation",
        "delete_citation",
        "add_source",
        "change_source",
    ],
    # Reviewers change an article only to set its review interval (ArticleAdmin enforces that).
    REVIEWERS: READ + ["review_revision", "change_article"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_review_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
