"""Site parsers: a source's own `parser = "module:function"`, reading pages with BeautifulSoup.

The function gets a `bs4.BeautifulSoup` document (lxml parser) and the page URL, and returns a
`SiteArticle` (or a dict of the same fields), or None for "use the generic cleaner". Whatever it
leaves out (and the dates, canonical URL and language) comes from the generic cleaner; what it
gives is normalized like the cleaner's own text, so hashing and change records are the same.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from crawler.cleaner import Article, clean
from crawler.cleaner.text import normalize_line

__all__ = ["ParserNotUsable", "SiteArticle", "SiteParser", "SiteParserFailed", "clean_page", "load_parser"]


@dataclass(frozen=True)
class SiteArticle:
    """What a site parser read from a page; a field left as None is filled by the generic cleaner.

    title: the headline. byline: the names (a list, or one string for one name). body: the
    article's lines (a list, or one string with a line per block). captions: the image
    captions, one a line, stored apart from the body (versions.captions).
    """

    title: str | None = None
    byline: Sequence[str] | str | None = None
    body: Sequence[str] | str | None = None
    captions: Sequence[str] | None = None


_FIELDS = tuple(f.name for f in fields(SiteArticle))


class ParserNotUsable(ValueError):
    """`module:function` names nothing callable; the message is one line with the fix."""


class SiteParserFailed(Exception):
    """A site parser raised on a page (or returned something else than it may): one line."""


@dataclass(frozen=True)
class SiteParser:
    """A loaded `parser = "module:function"`: its name as written, and the function."""

    name: str
    function: Callable[..., Any]

    def read(self, html: str, url: str) -> SiteArticle | None:
        """Run the function on the page; SiteParserFailed (one line) when it raises."""
        from bs4 import BeautifulSoup  # loaded only by sources that have a parser

        try:
            result = self.function(BeautifulSoup(html, "lxml"), url)
        except (Exception, SystemExit) as exc:  # the user's code: any failure is this page's failure
            raise SiteParserFailed(f"site parser {self.name} failed: {_one_line(exc)}") from None
        return self._checked(result)

    def _checked(self, result: object) -> SiteArticle | None:
        if result is None or isinstance(result, SiteArticle):
            return result
        if not isinstance(result, dict):
            raise SiteParserFailed(f"site parser {self.name} returned {type(result).__name__} "
                                   "(return a SiteArticle, a dict of its fields, or None)")
        unknown = sorted(set(result) - set(_FIELDS), key=str)
        if unknown:
            raise SiteParserFailed(f"site parser {self.name} returned unknown key {unknown[0]!r} "
                                   f"(allowed: {', '.join(_FIELDS)})")
        return SiteArticle(**result)


def load_parser(spec: object, sources_dir: Path) -> SiteParser:
    """Import `module:function`, looking in sys.path and then in `sources_dir`."""
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(p.strip() for p in spec.split(":")):
        raise ParserNotUsable(f"{spec!r} is not module:function (write e.g. "
                              "parser = \"myparsers:parse_article\", myparsers.py beside the sources file)")
    module_name, function_name = (part.strip() for part in spec.split(":"))
    module = _import(module_name, str(Path(sources_dir).resolve()))
    function = module
    for attribute in function_name.split("."):
        function = getattr(function, attribute, None)
    if function is None:
        raise ParserNotUsable(f"module {module_name!r} ({getattr(module, '__file__', '?')}) has no "
                              f"{function_name!r} (define def {function_name}(soup, url): …)")
    if not callable(function):
        raise ParserNotUsable(f"{module_name}:{function_name} is {type(function).__name__}, not a "
                              f"function (define def {function_name}(soup, url): …)")
    return SiteParser(f"{module_name}:{function_name}", function)


def _import(module_name: str, folder: str):
    if folder not in sys.path:
        sys.path.append(folder)  # last: an installed module of the same name wins, none is shadowed
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name and not module_name.startswith(f"{exc.name}."):
            raise ParserNotUsable(f"importing {module_name!r} failed: {_one_line(exc)}") from None
        raise ParserNotUsable(f"no module {module_name!r} on sys.path or in {folder} (put "
                              f"{module_name.replace('.', '/')}.py beside the sources file)") from None
    except Exception as exc:  # a syntax error or a failing import inside the user's module
        raise ParserNotUsable(f"importing {module_name!r} failed: {_one_line(exc)}") from None


def clean_page(html: str | bytes, url: str | None = None, *, site_parser: SiteParser | None = None,
               encoding: str | None = None, **options: Any) -> Article:
    """The generic cleaner's Article, with what `site_parser` read from the page put in.

    Raises SiteParserFailed when the parser does; without a parser this is `clean`.
    """
    article = clean(html, url, encoding=encoding, **options)
    if site_parser is None:
        return article
    from crawler.cleaner.encoding import decode_html

    text = html if isinstance(html, str) else decode_html(bytes(html), encoding)[0]
    read = site_parser.read(text, url or "")
    return article if read is None else merged(article, read, site_parser.name)


def merged(article: Article, read: SiteArticle, name: str = "site parser") -> Article:
    """`article` with the fields `read` gives (None or empty: left out), normalized as the
    cleaner normalizes its own lines. Captions the parser gives leave the generic body."""
    title = normalize_line(_text(read.title, "title", name)) if read.title is not None else ""
    byline = tuple(dict.fromkeys(_normalized(_lines(read.byline, "byline", name))))
    captions = tuple(dict.fromkeys(_normalized(_lines(read.captions, "captions", name))))
    lines = _normalized(_lines(read.body, "body", name)) or \
        [line for line in article.body.split("\n") if line and line not in captions]
    return replace(article, title=title or article.title, byline=byline or article.byline,
                   body="\n".join(lines), captions=captions or article.captions)


def _normalized(lines: list[str]) -> list[str]:
    """Each line as stored (NFC, invisible characters out, whitespace collapsed), empty ones left out."""
    return [line for line in map(normalize_line, lines) if line]


def _lines(value: object, field: str, name: str) -> list[str]:
    """A list of strings, one a line (white space inside one, newlines too, is one space as in
    HTML); or one string: a body's or captions' lines are split at its newlines."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines() if field in ("body", "captions") else [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SiteParserFailed(f"site parser {name} gave {field} as {type(value).__name__} "
                           "(give a list of strings)")


def _text(value: object, field: str, name: str) -> str:
    if not isinstance(value, str):
        raise SiteParserFailed(f"site parser {name} gave {field} as {type(value).__name__} (give a string)")
    return value


def _one_line(exc: BaseException) -> str:
    """'ValueError: the message on one line', at most 300 characters."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}"[:300] if message else type(exc).__name__
