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
