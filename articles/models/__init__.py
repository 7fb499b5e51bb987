from .article import Article, Citation, Revision, Variant
from .audience import Audience
from .review_event import ReviewEvent
from .saved import SavedArticle
from .source import Source, SourceVersion

__all__ = [
    "Article",
    "Audience",
    "Citation",
    "ReviewEvent",
    "Revision",
    "SavedArticle",
    "Source",
    "SourceVersion",
    "Variant",
]
