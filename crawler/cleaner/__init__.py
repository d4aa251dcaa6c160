"""Pure HTML-to-article cleaning: `clean(html, url) -> Article`, plus the text normaliser."""
from .article import CLEANER_VERSION, Article
from .extract import clean
from .text import normalize_text

__all__ = ["Article", "CLEANER_VERSION", "clean", "normalize_text"]
