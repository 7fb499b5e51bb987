from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.models import Question


class Command(BaseCommand):
    help = (
        "Remove what readers typed and their email address from questions asked more than "
        "QUESTION_RETENTION_DAYS days ago (DJANGO_QUESTION_RETENTION_DAYS, default 180), and "
        "from the reply emails sent to them. The questions stay, so the counts per article, "
        "status and month stay true. Run it daily (cron, or a scheduled container)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would be purged; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        due = Question.objects.past_retention(now)
        days = settings.QUESTION_RETENTION_DAYS
        if dry_run:
            self.stdout.write(
                f"{due.count()} question(s) asked more than {days} days ago would be purged."
            )
            return
        purged = due.redact(now)
        kept = Question.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {purged} question(s) asked more than {days} days ago: their text and "
                f"email address are removed. {kept} question(s) are still counted."
            )
        )
