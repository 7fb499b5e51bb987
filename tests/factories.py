"""factory_boy factories: the tests build their data with these, and so does `load_demo`."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article, Audience, Citation, Question, Revision, Source, Variant

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, tests and demo only
EDITORS = "Editors"
REVIEWERS = "Medical reviewers"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """Sign-in needs a verified address (mandatory verification); pass False to skip."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """`UserFactory(roles=["Editors"])` puts the user in those groups and on the staff, with
        an authenticator app set up (staff need one); `totp_secret=` picks its secret."""
        if create and extracted:
            obj.groups.add(*Group.objects.filter(name__in=extracted))
            if not obj.is_staff:
                obj.is_staff = True
                obj.save(update_fields=["is_staff"])

    @factory.post_generation
    def totp_secret(obj, create, extracted, **kwargs):
        """Pass `totp_secret=False` for a staff member who has not set up two-factor yet."""
        if extracted is False:
            return
        if create and obj.is_staff and not is_mfa_enabled(obj, [Authenticator.Type.TOTP]):
            TOTP.activate(obj, extracted or TEST_TOTP_SECRET)
            RecoveryCodes.activate(obj)


def editor(**fields):
    fields.setdefault("first_name", "Eden")
    fields.setdefault("last_name", "Editor")
    return UserFactory(roles=[EDITORS], **fields)


def reviewer(**fields):
    fields.setdefault("display_name", "Dr. Rowan Reviewer")
    fields.setdefault("credentials", "MD, FAAD")
    fields.setdefault("specialty", "Dermatology")
    return UserFactory(roles=[REVIEWERS], **fields)


def audience(slug: str) -> Audience:
    """Audiences are seeded by a migration; tests and the demo look them up."""
    return Audience.objects.get(slug=slug)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["key"]

    key = factory.Sequence(lambda n: f"source-{n}")
    kind = Source.Kind.TRIAL
    authors = "Example A, Sample B"
    title = factory.Sequence(lambda n: f"A trial of dose regimens, part {n}")
    publisher = "J Example Med"
    year = 2020
    volume = "1(1)"
    pages = "1-10"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"question-{n}")
    title = factory.Sequence(lambda n: f"What is question number {n}?")
    summary = "A short answer to a reader's question."


class RevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Revision

    article = factory.SubFactory(ArticleFactory)
    title = factory.LazyAttribute(lambda r: r.article.title)
    summary = factory.LazyAttribute(lambda r: r.article.summary)
    answer = "A short answer for readers."
    pregnancy_warning = "Pregnancy must be prevented at any dose."
    change_summary = "First version."
    state = Revision.State.DRAFT


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    revision = factory.SubFactory(RevisionFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.LazyAttribute(lambda c: c.revision.citations.count() + 1)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    revision = factory.SubFactory(RevisionFactory)
    audience = factory.LazyFunction(lambda: audience("patient"))
    body_markdown = factory.LazyAttribute(
        lambda v: f"## Short answer\n\nThis is the {v.audience.slug} version."
    )


def revision_with_content(*, sources=(), texts=None, state=Revision.State.DRAFT, **fields):
    """A revision citing `sources` in order, with one variant per audience, left in `state`.

    `texts` maps audience slugs to Markdown; audiences it leaves out get a one-line stand-in
    that cites every source.
    Content is written while the revision is a draft; the state is then set directly, as test
    data (application code changes states only through articles.workflow).
    """
    revision = RevisionFactory(state=Revision.State.DRAFT, **fields)
    for position, source in enumerate(sources, start=1):
        CitationFactory(revision=revision, source=source, position=position)
    texts = texts or {}
    for option in Audience.objects.all():
        if option.slug in texts:
            VariantFactory(revision=revision, audience=option, body_markdown=texts[option.slug])
        elif sources:  # the stand-in cites every source, as a submitted text must
            cites = ", ".join(str(n) for n in range(1, len(sources) + 1))
            VariantFactory(
                revision=revision,
                audience=option,
                body_markdown=f"## Short answer\n\nThis is the {option.slug} version [{cites}].",
            )
        else:
            VariantFactory(revision=revision, audience=option)
    if state != Revision.State.DRAFT:
        Revision.objects.filter(pk=revision.pk).update(state=state)
        revision.refresh_from_db()
    return revision


class QuestionFactory(factory.django.DjangoModelFactory):
    """A reader's question on the revision readers see of `article` (pass `revision=` to pick)."""

    class Meta:
        model = Question

    article = factory.LazyAttribute(
        lambda q: q.revision.article if q.revision else ArticleFactory()
    )
    revision = None
    audience = factory.LazyFunction(lambda: audience("patient"))
    text = factory.Sequence(lambda n: f"Question {n}: how long should I wait after the course?")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("revision") is None:
            kwargs["revision"] = kwargs["article"].shown_revision() or revision_with_content(
                article=kwargs["article"], state=Revision.State.SUBMITTED
            )
        return super()._create(model_class, *args, **kwargs)


SYNTHETIC_TEXT = (
    "## What is the short answer?\n\nThis is the {audience} version of synthetic question {n}: "
    "a plain answer with its sources [1, 2].\n\n## What do the studies say?\n\n"
    + "".join(
        f"Study {k} found a result that readers can weigh with their doctor [{k}].\n\n"
        for k in range(1, 11)
    )
    + "## What should I do next?\n\nTalk to your doctor or pharmacist before you change "
    "anything [3, 4].\n"
)


def bulk_public_articles(count, *, references=10, reviewer_user=None, batch_size=2000):
    """`count` approved articles, each with one variant per audience citing `references`
    sources, written with bulk_create: 10,000 load in seconds (`load_demo --synthetic`).

    Rows are built as the workflow would leave them (derived HTML rendered, references pinned,
    approved with a reviewer label and a due date), but no events or emails: test and bench
    data only. The Markdown is rendered once per audience and shared; slugs are
    `synthetic-<n>`, continuing after the synthetic articles already there.
    """
    from django.utils import timezone

    from articles import readability
    from articles.models import SourceVersion
    from articles.models.article import add_months
    from articles.rendering import render_variant

    now = timezone.now()
    label = reviewer_user.signature if reviewer_user else "Dr. Synthetic Reviewer, MD"
    sources = [
        SourceFactory(key=f"synthetic-source-{k}", title=f"A synthetic trial, number {k}")
        for k in range(1, references + 1)
    ]
    versions = {v.source_id: v.pk for v in SourceVersion.objects.filter(source__in=sources)}
    audiences = list(Audience.objects.all())
    rendered = {}
    for option in audiences:
        html = render_variant(SYNTHETIC_TEXT.format(audience=option.slug, n="N"))
        rendered[option.pk] = (html, readability.measure(html))
    first = (Article.objects.filter(slug__startswith="synthetic-").count()) + 1
    answer = "A short, plain answer for readers [1]."
    warning = "Pregnancy must be prevented at any dose: the rules are the same."
    answer_html = render_variant(answer, citation_ids=False)
    warning_html = render_variant(warning, citation_ids=False)
    for start in range(first, first + count, batch_size):
        numbers = range(start, min(start + batch_size, first + count))
        articles = Article.objects.bulk_create(
            Article(
                slug=f"synthetic-{n}",
                title=f"Synthetic question number {n}?",
                summary=f"A short answer to synthetic question {n}.",
            )
            for n in numbers
        )
        revisions = Revision.objects.bulk_create(
            Revision(
                article=a,
                number=1,
                title=a.title,
                summary=a.summary,
                answer=answer,
                answer_html=answer_html,
                pregnancy_warning=warning,
                pregnancy_warning_html=warning_html,
                change_summary="Synthetic.",
                state=Revision.State.APPROVED,
                submitted_at=now,
                approved_at=now,
                approved_by=reviewer_user,
                approved_by_label=label,
                review_due_at=add_months(now, 12),
            )
            for a in articles
        )
        Variant.objects.bulk_create(
            (
                Variant(
                    revision=r,
                    audience=option,
                    body_markdown=SYNTHETIC_TEXT.format(audience=option.slug, n="N"),
                    body_html=rendered[option.pk][0],
                    reading_level=rendered[option.pk][1],
                )
                for r in revisions
                for option in audiences
            ),
            batch_size=batch_size,
        )
        Citation.objects.bulk_create(
            (
                Citation(revision=r, source=s, version_id=versions[s.pk], position=position)
                for r in revisions
                for position, s in enumerate(sources, start=1)
            ),
            batch_size=batch_size,
        )
    return count
