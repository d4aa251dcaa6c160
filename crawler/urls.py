"""One URL per article: fragments, tracking parameters and spelling variants removed."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a reader came from; the same article with and without
# them is one article. Prefixes end with "_".
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "ga_", "hsa_")
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "mc_cid", "mc_eid", "igshid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid",
    "spm", "share", "ref_src", "ref_url", "s_cid", "at_medium", "at_campaign", "amp", "outputType",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=4096)  # a fetch asks for its request's and its response's URL, mostly one URL
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets (RFC 3986 §3.2.2)
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not is_tracking(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def lookup_forms(text: str) -> list[str]:
    """The spellings under which a URL as a user pasted it may be tracked, best first: as given,
    canonical (no tracking parameters or fragment), with https:// or http:// when the scheme is
    missing, and with or without a leading www."""
    text = text.strip()
    given = [text] if "://" in text else [f"https://{text.removeprefix('//')}",
                                          f"http://{text.removeprefix('//')}"]
    forms: list[str] = []
    for url in given:
        canon = canonical_url(url)
        forms += [url, canon]
        parts = urlsplit(canon)
        host = parts.netloc
        other = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
        forms.append(urlunsplit(parts._replace(netloc=other)))
    return list(dict.fromkeys(forms))
