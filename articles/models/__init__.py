from .article import Article, Citation, Revision, Variant
from .audience import Audience
from .review_event import ReviewEvent
from .source import Source

__all__ = ["Article", "Audience", "Citation", "ReviewEvent", "Revision", "Source", "Variant"]
