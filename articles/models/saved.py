from django.conf import settings
from django.db import models


class SavedArticle(models.Model):
    """A reader's bookmark, with their opt-in to hear when the article is reviewed again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_articles"
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="saved_by"
    )
    notify_on_review = models.BooleanField(
        "email me when it is re-reviewed",
        default=False,
        help_text="Sent when a new revision of the article is approved.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="unique_saved_article")
        ]

    def __str__(self):
        return f"{self.user} saved {self.article}"
