"""Who the medical reviewers are, for the workflow, the queues and the emails alike."""

from django.contrib.auth import get_user_model
from django.db.models import Q


def medical_reviewers():
    """Active staff given the review permission: the "Medical reviewers" group, or directly.

    Being a superuser is not enough: a page says "Medically reviewed by" only after someone a
    staff admin made a medical reviewer approved it.
    """
    given = Q(
        groups__permissions__codename="review_revision",
        groups__permissions__content_type__app_label="articles",
    ) | Q(
        user_permissions__codename="review_revision",
        user_permissions__content_type__app_label="articles",
    )
    return get_user_model().objects.filter(given, is_active=True, is_staff=True).distinct()


def held_by_nobody():
    """For revisions: under review, but nobody who may still review holds it (never taken,
    or the holder was deactivated or lost the reviewer role)."""
    return Q(state="under_review") & (
        Q(assigned_reviewer__isnull=True) | ~Q(assigned_reviewer__in=medical_reviewers())
    )
