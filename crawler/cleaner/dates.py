"""Date parsing for article timestamps: ISO 8601, RFC 2822, English and Thai (Buddhist era) text."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS_EN = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}

# Thai month names, abbreviated and full; both appear in bylines and datelines.
_MONTHS_TH = {
    "ม.ค.": 1, "ก.พ.": 2, "มี.ค.": 3, "เม.ย.": 4, "พ.ค.": 5, "มิ.ย.": 6,
    "ก.ค.": 7, "ส.ค.": 8, "ก.ย.": 9, "ต.ค.": 10, "พ.ย.": 11, "ธ.ค.": 12,
    "มกราคม": 1, "กุมภาพันธ์": 2, "มีนาคม": 3, "เมษายน": 4, "พฤษภาคม": 5, "มิถุนายน": 6,
    "กรกฎาคม": 7, "สิงหาคม": 8, "กันยายน": 9, "ตุลาคม": 10, "พฤศจิกายน": 11, "ธันวาคม": 12,
}
# The Buddhist era is 543 years ahead of the Gregorian calendar; Thailand has one zone.
_BUDDHIST_OFFSET = 543
_BANGKOK = timezone(timedelta(hours=7))

_TH_DATE = re.compile(
    r"(\d{1,2})\s*(%s)\s*(\d{4})(?:\s*(?:เวลา)?\s*(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
    % "|".join(re.escape(m) for m in sorted(_MONTHS_TH, key=len, reverse=True)))
_EN_DATE = re.compile(
    r"\b(?:(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})|([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))\b")
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


# Dates a page can state that cannot be true of a news article: placeholders such as 0001-01-01
# (a CMS's empty date), anything before the web had news sites, and, once the fetch time is
# known, anything more than a day ahead of it (time zones aside). Such a date is dropped, and
# the article's age then counts from when it was first seen.
EARLIEST_DATE = "1990-01-01"
FUTURE_SLACK = timedelta(days=1)


def plausible_date(value: str | None, now: datetime | None = None) -> str | None:
    """`value` (ISO 8601) when it can be a real article date, else None."""
    if not value or value[:10] < EARLIEST_DATE:
        return None
    if now is not None:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if moment > now + FUTURE_SLACK:
            return None
    return value


def parse_date(value: str) -> str | None:
    """ISO 8601 (offset kept), RFC 2822, or 'March 22, 2023' -> ISO 8601 string; else None."""
    value = value.strip()
    if not value:
        return None
    if _ISO_LIKE.match(value):
        iso = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value) else value
        iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)  # +0700 -> +07:00 for fromisoformat
        try:
            return datetime.fromisoformat(iso).isoformat()
        except ValueError:
            try:
                return date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return _english_date(value)


def _english_date(text: str) -> str | None:
    match = _EN_DATE.search(text)
    if not match:
        return None
    day, month, year = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
        match.group(5), match.group(4), match.group(6))
    number = _MONTHS_EN.get(month[:3].lower())
    if not number:
        return None
    try:
        return date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def thai_date(text: str) -> str | None:
    """'20 ม.ค. 2567 14:30 น.' -> '2024-01-20T14:30:00+07:00' (Buddhist era to Gregorian)."""
    match = _TH_DATE.search(text)
    if not match:
        return None
    day, month, year, hour, minute, second = match.groups()
    year_ce = int(year) - _BUDDHIST_OFFSET if int(year) > 2400 else int(year)
    try:
        if hour is None:
            return date(year_ce, _MONTHS_TH[month], int(day)).isoformat()
        moment = datetime(year_ce, _MONTHS_TH[month], int(day), int(hour), int(minute),
                          int(second or 0), tzinfo=_BANGKOK)
    except ValueError:
        return None
    return moment.isoformat()


def visible_date(text: str, language: str | None) -> str | None:
    """A date stated in the page text when no metadata gives one."""
    if (language or "").startswith("th") or re.search(r"[\u0e00-\u0e7f]", text[:2000]):
        found = thai_date(text)
        if found:
            return found
    return _english_date(text)
