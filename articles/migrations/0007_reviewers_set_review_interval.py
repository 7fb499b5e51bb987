"""Medical reviewers may change articles, but only their review interval (see ArticleAdmin)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    change_article = Permission.objects.get(content_type__app_label="articles", codename="change_article")
    for group in Group.objects.filter(name="Medical reviewers"):
        group.permissions.add(change_article)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    change_article = Permission.objects.get(content_type__app_label="articles", codename="change_article")
    for group in Group.objects.filter(name="Medical reviewers"):
        group.permissions.remove(change_article)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_review_interval_bounds")]

    operations = [migrations.RunPython(grant, revoke)]
