from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    """Users are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser needs is_staff and is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)

    # The reader's chosen reading level, an `articles.Audience` slug. Stored as text so that
    # `accounts` does not depend on `articles`; only accounts.preferences reads or writes it.
    reading_audience = models.SlugField(max_length=32, blank=True)

    class TextSize(models.TextChoices):
        STANDARD = "standard", "Standard"
        LARGE = "large", "Large"

    text_size = models.CharField(max_length=10, choices=TextSize, blank=True)

    # Public profile of a medical reviewer, shown on the pages they approve.
    display_name = models.CharField(
        max_length=120, blank=True, help_text='Name as readers see it, e.g. "Dr. Ana Ruiz".'
    )
    credentials = models.CharField(max_length=100, blank=True, help_text='e.g. "MD, FAAD".')
    specialty = models.CharField(max_length=100, blank=True, help_text='e.g. "Dermatology".')

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self):
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    @property
    def signature(self):
        """Name and credentials as one line: "Dr. Ana Ruiz, MD, FAAD"."""
        return ", ".join(part for part in (self.public_name, self.credentials) if part)


class ProfileChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Profile changes are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Profile changes are append-only: they cannot be deleted.")


class ProfileChange(models.Model):
    """One change to the name or credentials readers see next to a reviewer's approvals.

    Written only by `accounts.profile_changes.record`; never changed. Both people are kept as
    text as well as by key (SET_NULL): when either account is deleted, the record still says
    whose public name changed and who changed it — by name, never by email, so deletion leaves
    no email address behind. What stays is public, professional detail (a name as readers see
    it, credentials), as in the review history (articles.ReviewEvent).
    """

    class Field(models.TextChoices):
        DISPLAY_NAME = "display_name", "Display name"
        CREDENTIALS = "credentials", "Credentials"

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="profile_changes"
    )
    user_label = models.CharField("whose profile", max_length=300)
    field = models.CharField(max_length=20, choices=Field)
    old_value = models.CharField(max_length=120, blank=True)
    new_value = models.CharField(max_length=120, blank=True)
    changed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profile_changes_made",
    )
    changed_by_label = models.CharField("changed by", max_length=300)
    created_at = models.DateTimeField("when", default=timezone.now)

    objects = ProfileChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user_label}: {self.get_field_display()} changed by {self.changed_by_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Profile changes are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Profile changes are append-only: they cannot be deleted.")
