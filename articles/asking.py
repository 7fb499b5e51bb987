"""A reader asking a follow-up question on an article: the form and its abuse checks.

- `QuestionForm`: the question (10 to 2,000 characters), an optional email address for a reply
  with explicit consent, and a honeypot field people never see (`is_bot`).
- `RateLimit`: how many questions one client address and one browser session may send per
  hour, counted in the default cache (Redis in production, shared by every app process). The
  address is the one allauth's sign-in rate limits use: the socket's, or the one the trusted
  proxies name (DJANGO_TRUSTED_PROXY_COUNT / DJANGO_TRUSTED_CLIENT_IP_HEADER), never an
  X-Forwarded-For a client wrote itself.
- `URGENT_HELP`: where to go instead of the form, the same lines the articles give.
"""

import hashlib
import math
import re
import secrets
import time

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from .models.questions import TEXT_MAX_LENGTH, TEXT_MIN_LENGTH

# Where to go instead of waiting for us: the crisis and urgent-care lines of the demo articles
# (articles/demo_content/*/patient.md, from the sources they cite there), as they give them.
URGENT_HELP = (
    "If you feel very unwell or have a new, worrying symptom, call your doctor now, or your "
    "local emergency number in an emergency.",
    "If you think about hurting yourself, get help now. In the US, call 988. In the UK, call "
    "111, or 999 in an emergency. You can also call Samaritans on 116 123.",
)
URGENT_HELP_TEXT = "Need help now? " + " ".join(URGENT_HELP)
HONEYPOT = "website"
SENT_KEY = "question-sent"  # the session's note that the last question was sent (no-JS page)


class QuestionText(forms.CharField):
    """Line breaks count once, however the browser sent them: the page's own counter (the
    textarea's maxlength) and the server then agree on the length."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class QuestionForm(forms.Form):
    text = QuestionText(
        label="Your question",
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            f"{TEXT_MIN_LENGTH} to {TEXT_MAX_LENGTH:,} characters. Leave out names and "
            "details of your own health."
        ),
        error_messages={
            "required": "Write your question.",
            "min_length": (
                f"Your question is too short: write at least {TEXT_MIN_LENGTH} characters."
            ),
            "max_length": (
                f"Your question is too long: at most {TEXT_MAX_LENGTH:,} characters "
                "(it has %(show_value)s). Shorten it, or ask the most important part."
            ),
        },
    )
    email = forms.EmailField(
        label="Your email address (optional)",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Only to send you the answer, once. Leave it empty for no email.",
        error_messages={
            "invalid": "That email address does not look right, for example: name@example.com.",
            "max_length": "That email address is too long.",
        },
    )
    email_consent = forms.BooleanField(
        required=False,
        label=(
            "Email me the answer. I agree that you keep this address to send me one reply, "
            f"and delete it after {settings.QUESTION_RETENTION_DAYS} days."
        ),
    )
    # Hidden from people by the stylesheet (and from screen readers and the keyboard); bots
    # that fill in every field fill this one in too.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # What the reader was viewing, filled in by the page.
    revision = forms.CharField(required=False, widget=forms.HiddenInput)
    reading_level = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "ask-%s")  # unique on the article page
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, consent = cleaned.get("email"), cleaned.get("email_consent")
        if email and not consent:
            self.add_error(
                "email_consent",
                "Tick this box to get the answer by email, or leave the email address empty.",
            )
        if consent and not email and "email" not in self.errors:
            self.add_error(
                "email", "Give the address to send the answer to, or untick the box below."
            )
        return cleaned

    def is_bot(self):
        """Only a program fills in the field people cannot see."""
        return bool((self.data.get(HONEYPOT) or "").strip())


def record_question(form, article, user):
    """Store a valid question. The revision and reading level are the ones the page says the
    reader was viewing, if they are real; else the revision readers see and no level."""
    from .models import Audience, Question

    number = form.cleaned_data["revision"]
    revisions = article.revisions.visible()
    # ASCII digits only: "²" is a digit to Python, not to the database.
    real_number = re.fullmatch(r"[0-9]{1,9}", number)
    revision = (real_number and revisions.filter(number=number).first()) or (
        article.shown_revision()
    )
    email = form.cleaned_data["email"] if form.cleaned_data["email_consent"] else ""
    return Question.objects.create(
        article=article,
        revision=revision,
        audience=Audience.objects.filter(slug=form.cleaned_data["reading_level"]).first(),
        user=user if user.is_authenticated else None,
        text=form.cleaned_data["text"],
        email=email,
        email_consent=bool(email),
    )


def client_address(request):
    """The client's address as allauth's rate limits see it (trusted proxies only)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No address, or fewer X-Forwarded-For entries than trusted proxies: not a request
        # our proxy passed on. Count it with the socket's address rather than fail.
        return request.META.get("REMOTE_ADDR") or "unknown"


class RateLimit:
    """Questions per client address and per session in one-hour windows, in the shared cache.

    A window's counter is created with `add` and counted with `incr`, both atomic in Redis, so
    two app processes counting at once never both slip under the limit."""

    WINDOW = 3600  # seconds

    def __init__(self, request, now=None):
        self.now = time.time() if now is None else now
        window = int(self.now // self.WINDOW)
        self.window_ends = (window + 1) * self.WINDOW
        session_id = request.session.get("question_limit_id")
        if not session_id:
            session_id = request.session["question_limit_id"] = secrets.token_hex(16)
        address = hashlib.sha256(
            f"{settings.SECRET_KEY}:{client_address(request)}".encode()
        ).hexdigest()[:32]
        self.limits = {
            f"questions:address:{address}:{window}": settings.QUESTIONS_PER_HOUR_PER_ADDRESS,
            f"questions:session:{session_id}:{window}": settings.QUESTIONS_PER_HOUR_PER_SESSION,
        }

    def wait(self):
        """Seconds until another question may be sent, or 0: reads, counts nothing."""
        counts = cache.get_many(list(self.limits))
        if any(counts.get(key, 0) >= limit for key, limit in self.limits.items()):
            return self._wait()
        return 0

    def consume(self):
        """Count one question; seconds to wait (and the question refused) if over a limit."""
        over = False
        for key, limit in self.limits.items():
            cache.add(key, 0, timeout=self.WINDOW + 60)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=self.WINDOW + 60)
                count = 1
            over = over or count > limit
        return self._wait() if over else 0

    def _wait(self):
        return max(1, math.ceil(self.window_ends - self.now))


def wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "You have sent several questions in a short time. Your question is not sent yet: "
        f"try again in {minutes} minute{'s' if minutes != 1 else ''}. Your text is kept below."
    )
