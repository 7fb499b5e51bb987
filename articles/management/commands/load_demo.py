import os
import secrets

from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo_data, workflow
from articles.models import Article, Audience, Revision, Source
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    SourceFactory,
    UserFactory,
    VariantFactory,
    bulk_public_articles,
    editor,
    reviewer,
)

DEMO_ACCOUNTS = {
    "editor@example.com": lambda **f: editor(first_name="Demo", last_name="Editor", **f),
    "reviewer@example.com": lambda **f: reviewer(
        first_name="Demo", last_name="Reviewer", display_name="Dr. Demo Reviewer", **f
    ),
    "reader@example.com": lambda **f: UserFactory(first_name="Demo", last_name="Reader", **f),
}


class Command(BaseCommand):
    help = (
        "Load the demo articles, their checked sources and the demo accounts (editor@, reviewer@ "
        "and reader@example.com, password from DEMO_PASSWORD or generated). Idempotent: what "
        "exists is left as it is, so running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--synthetic",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic approved articles (four reading levels, ten references "
            "each), bulk-inserted, for benchmarks (`make bench-http`).",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            created_articles, created_sources, password, totp_secret = self.load()
        if options["synthetic"]:
            User = get_user_model()
            with transaction.atomic():
                bulk_public_articles(
                    options["synthetic"],
                    reviewer_user=User.objects.get(email="reviewer@example.com"),
                )
            self.stdout.write(f"Added {options['synthetic']} synthetic articles.")
        # Printed after the commit, so the review emails (sent on commit) come before it.
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {created_articles} article(s) and {created_sources} source(s) "
                "added; existing ones left unchanged."
            )
        )
        self.stdout.write("Demo accounts (sign in at /accounts/login/; staff use /admin/):")
        for email in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email}")
        if password:
            self.stdout.write(f"  password: {password}")
        else:
            self.stdout.write(
                "  password: the one printed when they were created "
                "(set DEMO_PASSWORD and run load_demo again to reset it)"
            )
        if totp_secret:
            self.stdout.write(
                f"  staff two-factor secret (add it to an authenticator app): {totp_secret}"
            )

    def load(self):
        accounts, password, totp_secret = self.demo_accounts()
        created_sources = 0
        for key, fields in demo_data.SOURCES.items():
            if not Source.objects.filter(key=key).exists():
                SourceFactory(key=key, **{"volume": "", "pages": "", **fields})
                created_sources += 1

        created_articles = 0
        for spec in demo_data.ARTICLES:
            if not Article.objects.filter(slug=spec["slug"]).exists():
                self.create_article(spec, accounts)
                created_articles += 1
        return created_articles, created_sources, password, totp_secret

    def demo_accounts(self):
        """The demo users, created once; staff get an authenticator (TOTP) with the secret from
        DEMO_TOTP_SECRET. Returns (users by email, password to print or "", secret or "")."""
        password = os.environ.get("DEMO_PASSWORD", "")
        User = get_user_model()
        existing = {u.email: u for u in User.objects.filter(email__in=DEMO_ACCOUNTS)}
        if len(existing) == len(DEMO_ACCOUNTS) and not password:
            return existing, "", ""
        password = password or secrets.token_urlsafe(12)
        totp_secret = os.environ.get("DEMO_TOTP_SECRET", "") or generate_totp_secret()
        users = {}
        for email, make in DEMO_ACCOUNTS.items():
            user = existing.get(email) or make(email=email, totp_secret=totp_secret)
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            users[email] = user
        return users, password, totp_secret if len(existing) < len(DEMO_ACCOUNTS) else ""

    def create_article(self, spec, accounts):
        author, checker = accounts["editor@example.com"], accounts["reviewer@example.com"]
        article = ArticleFactory(slug=spec["slug"], title=spec["title"], summary=spec["summary"])
        revision = workflow.start_revision(article, author)
        for field, text in demo_data.key_facts(spec["slug"]).items():
            setattr(revision, field, text)
        revision.save(update_fields=list(demo_data.key_facts(spec["slug"])))
        for position, key in enumerate(spec["citations"], start=1):
            CitationFactory(
                revision=revision, source=Source.objects.get(key=key), position=position
            )
        for audience in Audience.objects.all():
            VariantFactory(
                revision=revision,
                audience=audience,
                body_markdown=demo_data.variant_text(spec["slug"], audience.slug),
            )
        summary = "First version, written from the checked bibliography."
        workflow.submit(revision, author, summary)
        if spec["state"] in (Revision.State.UNDER_REVIEW, Revision.State.APPROVED):
            workflow.start_review(revision, checker)
            for slug, check in demo_data.PEMAT_CHECKS.get(spec["slug"], {}).items():
                workflow.record_assessment(
                    revision,
                    checker,
                    Audience.objects.get(slug=slug),
                    check["ratings"],
                    check["note"],
                )
        if spec["state"] == Revision.State.APPROVED:
            workflow.approve(revision, checker, attested=True)
