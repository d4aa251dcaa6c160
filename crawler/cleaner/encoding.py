"""Turn fetched bytes into text the way browsers do: BOM, HTTP charset, <meta>, then detection."""
from __future__ import annotations

import codecs
import re

# WHATWG Encoding Standard label mapping where Python's codec names differ: browsers
# decode these labels with the superset codec, and so must we to see what readers see.
_LABEL_ALIASES: dict[str, str] = {
    # Latin-1 and ASCII labels are decoded as windows-1252 by every browser.
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "iso_8859-1": "cp1252", "latin1": "cp1252",
    "latin-1": "cp1252", "l1": "cp1252", "cp819": "cp1252", "ibm819": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "iso-ir-100": "cp1252", "csisolatin1": "cp1252",
    "windows-1252": "cp1252", "x-cp1252": "cp1252",
    # Thai: TIS-620 and ISO-8859-11 are subsets of windows-874, which Python calls cp874.
    "windows-874": "cp874", "tis-620": "cp874", "tis620": "cp874", "iso-8859-11": "cp874",
    "iso8859-11": "cp874", "dos-874": "cp874", "x-windows-874": "cp874",
    # Simplified Chinese: gb2312 and gbk pages routinely use GB18030-only characters.
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "csgb2312": "gb18030", "euc-cn": "gb18030", "chinese": "gb18030", "cp936": "gb18030",
    # Japanese: the web's Shift_JIS is Microsoft's windows-31j.
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "windows-31j": "cp932", "csshiftjis": "cp932",
    # Korean and Traditional Chinese supersets.
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "big5": "big5hkscs",
    # Other ISO labels browsers map to Windows code pages.
    "iso-8859-9": "cp1254", "latin5": "cp1254", "iso-8859-11-2001": "cp874",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}

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
    name = label.strip().strip("\"'").lower()
    name = _LABEL_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        return "utf-8"  # a <meta> claiming UTF-16 in an ASCII-readable page is wrong (WHATWG)
    # Aliases can resolve to a codec name that itself has a browser superset.
    return _LABEL_ALIASES.get(codec, codec)


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
