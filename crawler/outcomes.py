"""What a fetched 200 page really is: the article, or a page that stands in for it (an error page,
a paywall, a consent wall, a bot check). Only the article may ever become a version.

The wording of such pages is data (`PHRASES`, by kind and language); structured signals count
too (a `noindex` page titled "Page not found", a redirect to the home page, a page that declares
itself not free in JSON-LD). A stored version's text can be judged the same way
(`classify_text`), which is how `newswatch doctor --fix-false-versions` finds the false versions
an older rule let in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the cleaner loads when a page is cleaned, not with every crawl
    from crawler.cleaner import Article

# Stand-in pages are short; a real article that merely mentions "404" or "subscribe" is not.
MAX_WORDS = 120

# Kinds of stand-in page and the article status each leads to: an error page counts toward
# `gone` exactly as a 404 does; a wall (`blocked`) never becomes a version however long it lasts.
SOFT_404, PAYWALL, CONSENT, BOT_CHECK = "soft-404", "paywall", "consent", "bot-check"
STATUS_OF = {SOFT_404: "gone", PAYWALL: "blocked", CONSENT: "blocked", BOT_CHECK: "blocked"}
DESCRIPTION = {SOFT_404: "an error page", PAYWALL: "a paywall", CONSENT: "a consent wall",
               BOT_CHECK: "a bot check"}

# Phrases by kind and language, matched case-insensitively after typographic apostrophes and
# dashes are made plain. `PHRASES` are specific to stand-in pages and count anywhere in a short
# page; `HEADING_PHRASES` are ambiguous in a sentence ("the hiker was not found") and count only
# as a line of their own (the headline or a body line: "404 Not Found") on a page of at most
# `HEADING_PAGE_WORDS` words, the size of a server's bare error page.
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    SOFT_404: {
        "en": (r"\bpage not found\b", r"\bpage (could not|couldn't|cannot|can't) be found\b",
               r"\b(can't|cannot) be found\b", r"\bnothing (was )?found at this location\b",
               r"\bpage you('re| are) looking for\b", r"\b(this|the) page (doesn't|does not) exist\b",
               r"\bthe page you requested\b", r"\bwe (couldn't|could not|can't) find (that|the|this) page\b",
               r"\b(this|the) (page|article|story) (is no longer available|has been (re)?moved|"
               r"has been deleted|no longer exists)\b", r"\berror 404\b", r"\b404 error\b",
               r"\bit looks like nothing was found\b"),
        "de": (r"\bseite (wurde )?nicht gefunden\b", r"\bseite existiert nicht\b",
               r"\bkonnte nicht gefunden werden\b", r"\b(seite|artikel) ist (leider )?nicht mehr "
               r"verfügbar\b", r"\bfehler 404\b", r"\bdie (angeforderte|gesuchte) seite\b"),
        "fr": (r"\bpage (introuvable|non trouvée)\b", r"\bcette page n'existe (pas|plus)\b",
               r"\bpage (que vous (cherchez|recherchez)|demandée)\b", r"\berreur 404\b",
               r"\b(cet article|cette page) n'est plus disponible\b"),
        "es": (r"\bpágina no encontrada\b", r"\b(esta|la) página no existe\b",
               r"\bno (se ha podido|se pudo|hemos podido) encontrar (la|esta) página\b",
               r"\bpágina que (buscas|estás buscando)\b", r"\berror 404\b",
               r"\b(este artículo|esta página) ya no está disponible\b"),
    },
    PAYWALL: {
        "en": (r"\bsubscribe (now |today )?to (continue|keep reading|unlock)\b",
               r"\bsubscribe (now |today )?to read (the|this) (full )?(article|story)\b",
               r"\bsubscribers only\b", r"\bfor subscribers\b", r"\balready a subscriber\b",
               r"\bsign in to (continue|read|keep reading)\b", r"\blog in to (continue|read)\b",
               r"\bunlock (this|the full) (article|story)\b", r"\byou('ve| have) reached your "
               r"(free )?(article )?limit\b", r"\bthis (article|story|content) is (only )?"
               r"(available|reserved) (to|for) (subscribers|members)\b",
               r"\bcontinue reading with (a|your) (subscription|membership)\b",
               r"\bbecome a (subscriber|member) to (continue|read)\b"),
        "de": (r"\bbereits abonnent\b", r"\bnur für abonnenten\b", r"\bjetzt abonnieren und "
               r"weiterlesen\b", r"\bum (den|diesen) (vollständigen )?artikel (zu lesen|weiterzulesen)\b",
               r"\bdieser artikel ist (nur )?für abonnenten\b"),
        "fr": (r"\bréservé aux abonnés\b", r"\bdéjà abonné\b", r"\babonnez-vous pour (lire|continuer)\b",
               r"\bcet article est réservé\b"),
        "es": (r"\bsolo para suscriptores\b", r"\bya (soy|eres) suscriptor\b",
               r"\bsuscríbete para (seguir|continuar) leyendo\b", r"\bcontenido exclusivo para "
               r"suscriptores\b"),
    },
    CONSENT: {
        "en": (r"\bwe value your privacy\b", r"\bconsent to (the use of )?cookies\b",
               r"\baccept (all )?cookies to continue\b", r"\bmanage (your )?consent\b",
               r"\byour privacy choices\b", r"\bwe and our (\d+ )?partners (use|store)\b"),
        "de": (r"\bwir respektieren ihre privatsphäre\b", r"\bwir und unsere partner\b",
               r"\bihre einwilligung\b.*\bcookies\b", r"\bcookies\b.*\b(zustimmen|akzeptieren)\b"),
        "fr": (r"\bnous respectons votre vie privée\b", r"\bnous et nos partenaires\b",
               r"\bvotre consentement\b.*\bcookies\b", r"\bcookies\b.*\btout accepter\b"),
        "es": (r"\bvaloramos tu privacidad\b", r"\bnosotros y nuestros socios\b",
               r"\btu consentimiento\b.*\bcookies\b", r"\bcookies\b.*\baceptar todo\b"),
    },
    BOT_CHECK: {
        "en": (r"\bare you a robot\b", r"\bverify (that )?you are (a )?human\b",
               r"\bchecking your browser\b", r"\benable javascript and cookies\b",
               r"\bunusual traffic from your\b", r"\bcomplete the security check\b",
               r"\bpress (and|&) hold\b", r"\bplease verify you are not a robot\b"),
        "de": (r"\bsind sie ein roboter\b", r"\bbrowser wird überprüft\b",
               r"\bbestätigen sie, dass sie ein mensch sind\b", r"\bungewöhnlichen datenverkehr\b"),
        "fr": (r"\bêtes-vous un robot\b", r"\bvérification de (votre )?navigateur\b",
               r"\bvérifiez que vous êtes (un )?humain\b", r"\btrafic inhabituel\b"),
        "es": (r"\beres un robot\b", r"\bcomprobando (tu|su) navegador\b",
               r"\bverifica que eres (un )?humano\b", r"\btráfico inusual\b"),
    },
}
HEADING_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    SOFT_404: {
        "en": (r"\b404\b", r"\bnot found\b", r"\boops\b", r"\bsomething went wrong\b",
               r"\binternal server error\b", r"\bservice unavailable\b", r"\bno longer available\b",
               r"^error$"),
        "de": (r"\bnicht gefunden\b", r"\bhoppla\b", r"\bfehlerseite\b", r"\bnicht verfügbar\b"),
        "fr": (r"\bintrouvable\b", r"\boups\b", r"\berreur\b"),
        "es": (r"\bno encontrad[ao]\b", r"^error$"),
    },
    BOT_CHECK: {"en": (r"\bcaptcha\b", r"\baccess denied\b", r"\bjust a moment\b",
                       r"\battention required\b", r"\bsecurity check\b"),
                "de": (r"\bzugriff verweigert\b", r"\bsicherheitsüberprüfung\b"),
                "fr": (r"\baccès refusé\b",), "es": (r"\bacceso denegado\b",)},
}
HEADING_PAGE_WORDS = 40


def _compile(table: dict[str, dict[str, tuple[str, ...]]]) -> dict[str, re.Pattern]:
    return {kind: re.compile("|".join(p for lang in by_lang.values() for p in lang), re.I)
            for kind, by_lang in table.items()}


_COMPILED, _HEADINGS = _compile(PHRASES), _compile(HEADING_PHRASES)
# Order matters when a page says two things ("Access denied … subscribe to continue"): a wall
# is more specific than an error wording, and a bot check hides whatever is behind it.
_ORDER = (BOT_CHECK, CONSENT, PAYWALL, SOFT_404)
_PLAIN = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "–": "-", "—": "-", "\xa0": " "})
# A <title> that alone says the page is an error page (the headline may be the site's name).
_ERROR_TITLE = re.compile(r"\b(404|page not found|not found|seite nicht gefunden|page introuvable|"
                          r"página no encontrada)\b", re.I)
TITLE_WORDS = 8  # such a <title> is short: "404 - Page not found | Site Name"
# Paths that error pages are redirected to.
_ERROR_PATH = re.compile(r"/(404|not[-_]?found|error|errors|page[-_]?not[-_]?found)(\.\w+)?/?$", re.I)


@dataclass(frozen=True)
class NotArticle:
    """A page that stands in for the article: its kind (SOFT_404, PAYWALL, CONSENT, BOT_CHECK)
    and why we think so, in words for a `checks.error` / `events.detail` line."""

    kind: str
    reason: str

    @property
    def status(self) -> str:
        return STATUS_OF[self.kind]


def classify_text(title: str, body: str) -> NotArticle | None:
    """Judge headline + body alone: a short text in the words of a stand-in page, or None."""
    text = f"{title}\n{body}".translate(_PLAIN)
    if len(text.split()) > MAX_WORDS:
        return None
    lines = text.splitlines() if len(text.split()) <= HEADING_PAGE_WORDS else []
    for kind in _ORDER:
        found = _COMPILED[kind].search(text) or _heading(kind, lines)
        if found:
            return NotArticle(kind, f"reads like {DESCRIPTION[kind]} (“{found.group(0)}”)")
    return None


def _heading(kind: str, lines: list[str]) -> re.Match | None:
    """A line that is nothing but this kind's heading phrases ("404 Not Found", "Access denied"),
    give or take one word: "404 days at sea" and "Hiker still not found" are headlines."""
    pattern = _HEADINGS.get(kind)
    for line in lines if pattern else ():
        found = pattern.search(line)
        if found and len(re.findall(r"\w+", pattern.sub(" ", line))) <= 1:
            return found
    return None


def classify_page(article: Article, url: str, final_url: str | None = None) -> NotArticle | None:
    """Judge a cleaned page: its words, its <title> and robots meta, and where it redirected to."""
    found = classify_text(article.title, article.body)
    if found is not None:
        return found
    short = len(f"{article.title} {article.body}".split()) <= MAX_WORDS
    page_title = (getattr(article, "page_title", "") or "").translate(_PLAIN)
    if page_title and len(page_title.split()) <= TITLE_WORDS and _ERROR_TITLE.search(page_title) \
            and (short or getattr(article, "noindex", False)):
        return NotArticle(SOFT_404, f"the page is titled “{page_title[:80]}”")
    return redirected_away(url, final_url)


def redirected_away(url: str, final_url: str | None) -> NotArticle | None:
    """An article URL redirected to the site's home page or to an error path is gone."""
    if not final_url or final_url == url:
        return None
    asked, landed = urlsplit(url), urlsplit(final_url)
    if landed.path in ("", "/") and not landed.query and asked.path not in ("", "/"):
        return NotArticle(SOFT_404, f"redirected to the home page ({final_url})")
    if _ERROR_PATH.search(landed.path) and not _ERROR_PATH.search(asked.path):
        return NotArticle(SOFT_404, f"redirected to an error page ({final_url})")
    return None


def declares_paywall(article: Article) -> bool:
    """The page says in JSON-LD that it is not free (isAccessibleForFree: false)."""
    return getattr(article, "free", None) is False
