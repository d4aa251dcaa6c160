"""Turn fetched bytes into text the way browsers do: BOM, HTTP charset, <meta>, then detection."""
from __future__ import annotations

import codecs
import re

from w3lib.encoding import resolve_encoding

# Browsers decode some charset labels with a superset codec (latin-1 as windows-1252, gb2312 as
# GB18030, shift_jis as windows-31j; the WHATWG Encoding Standard), and so must we to see what
# readers see. w3lib's table (Scrapy's) knows most of them; these are the labels it lacks.
_MORE_LABELS: dict[str, str] = {
    "x-cp1252": "cp1252", "dos-874": "cp874", "x-windows-874": "cp874", "x-gbk": "gb18030",
    "csgb2312": "gb18030", "unicode-1-1-utf-8": "utf-8",
}


def _browser_codec(name: str) -> str:
    return _MORE_LABELS.get(name) or resolve_encoding(name) or name


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# <meta charset=...> and <meta http-equiv="Content-Type" content="...; charset=...">
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:\-]+)""", re.I)


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    name = _browser_codec(label.strip().strip("\"'").lower())
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        return "utf-8"  # a <meta> claiming UTF-16 in an ASCII-readable page is wrong (WHATWG)
    # Aliases can resolve to a codec name that itself has a browser superset.
    return _browser_codec(codec)


def sniff_declared(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (<meta> or XML declaration)."""
    head = data[:4096]
    for pattern in (_META_CHARSET, _XML_DECL):
        match = pattern.search(head)
        if match:
            codec = codec_for_label(match.group(1).decode("ascii", "replace"))
            if codec:
                return codec
    return None


# Detectors cannot tell the Latin code pages apart on short text; browsers in most
# locales fall back to windows-1252, and so do we.
_LATIN_GUESSES = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4",
    "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
    "mac-roman", "mac-latin2", "cp437", "cp850", "cp858", "latin-1", "iso8859-1",
})


def _detect(data: bytes) -> str:
    """Guess when nothing is declared: UTF-8 if valid, else a statistical guess, else cp1252."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes  # trafilatura's own dependency

        best = from_bytes(data[:65536]).best()
        guess = codec_for_label(best.encoding) if best is not None else None
        if guess and guess not in _LATIN_GUESSES:
            return guess
    except Exception:  # detection is best effort; never let it break cleaning
        pass
    return "cp1252"


def decode_html(data: str | bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return (text, codec used). Precedence follows the HTML standard: BOM, HTTP, <meta>, detect."""
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "str"
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace"), codec
    codec = codec_for_label(http_charset) or sniff_declared(data) or _detect(data)
    if codec != "utf-8" and _is_utf8_text(data):
        codec = "utf-8"  # re-saved pages keep a stale legacy <meta>; real legacy bytes are never valid UTF-8
    return data.decode(codec, "replace"), codec


def _is_utf8_text(data: bytes) -> bool:
    """Valid UTF-8 containing multi-byte sequences (pure ASCII proves nothing)."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
