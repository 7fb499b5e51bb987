"""Everything the site holds about one person, for "download my data"."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from articles.models import Question, ReviewEvent, Revision, SavedArticle

from .models import ProfileChange


def personal_data(user) -> dict:
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_staff": user.is_staff,
            "groups": list(user.groups.values_list("name", flat=True)),
        },
        "reviewer_profile": {
            "display_name": user.display_name,
            "credentials": user.credentials,
            "specialty": user.specialty,
        },
        # Who set the public name and credentials above, and when (accounts.profile_changes).
        "reviewer_profile_changes": [
            {
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "changed_by": c.changed_by_label,
                "at": c.created_at,
            }
            for c in ProfileChange.objects.filter(user=user)
        ],
        "reviewer_profile_changes_you_made": [
            {"profile_of": c.user_label, "field": c.field, "at": c.created_at}
            for c in ProfileChange.objects.filter(changed_by=user)
        ],
        "preferences": {
            "reading_level": user.reading_audience,
            "text_size": user.text_size or "standard",
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "two_factor_methods": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=user)
        ],
        "saved_articles": [
            {
                "article": s.article.title,
                "url": s.article.get_absolute_url(),
                "saved_at": s.created_at,
                "email_when_re_reviewed": s.notify_on_review,
            }
            for s in SavedArticle.objects.filter(user=user).select_related("article")
        ],
        # Follow-up questions sent while signed in (their words and address are removed after
        # the retention period, and then no longer linked to the account).
        "questions": [
            {
                "article": q.article.title,
                "url": q.article.get_absolute_url(),
                "asked_at": q.created_at,
                "question": q.text,
                "reading_level": q.audience.slug if q.audience else "",
                "revision_read": q.revision.number,
                "email_for_reply": q.email,
                "agreed_to_reply_by_email": q.email_consent,
                "status": q.status_label,
                "reply": q.reply_text if q.reply_state == Question.ReplyState.APPROVED else "",
                "reply_checked_by": q.reply_approved_by_label,
                "answer_shown_on_article": q.is_public,
            }
            for q in Question.objects.filter(user=user).select_related(
                "article", "audience", "revision"
            )
        ],
        "revisions_authored": [
            {"article": r.article.title, "revision": r.number, "state": r.state}
            for r in Revision.objects.filter(author=user).select_related("article")
        ],
        "review_actions": [
            {
                "article": e.revision.article.title,
                "revision": e.revision.number,
                "action": e.action,
                "at": e.created_at,
                "comment": e.comment,
            }
            for e in ReviewEvent.objects.filter(actor=user).select_related("revision__article")
        ],
    }
