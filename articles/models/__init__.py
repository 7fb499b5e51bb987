from .article import Article, Citation, Revision, Variant
from .audience import Audience
from .comments import ReviewComment
from .review_event import ReviewEvent
from .saved import SavedArticle
from .source import Source, SourceVersion

__all__ = [
    "Article",
    "Audience",
    "Citation",
    "ReviewComment",
    "ReviewEvent",
    "Revision",
    "SavedArticle",
    "Source",
    "SourceVersion",
    "Variant",
]
