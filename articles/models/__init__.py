from .article import Article
from .audience import Audience
from .comments import ReviewComment
from .content import Citation, Variant
from .deliveries import EmailDelivery
from .questions import Question
from .review_event import ReviewEvent
from .revision import Revision
from .saved import SavedArticle
from .source import Source, SourceVersion

__all__ = [
    "Article",
    "Audience",
    "Citation",
    "EmailDelivery",
    "Question",
    "ReviewComment",
    "ReviewEvent",
    "Revision",
    "SavedArticle",
    "Source",
    "SourceVersion",
    "Variant",
]
