"""Where a telephone number is from (本地/外地来电), through ``phonenumbers``' geocoder.

Pure functions, no database. The number is read and forgotten: what leaves this module is the
area the geocoder names ("北京市", "广东省深圳市") or, for a number of elsewhere, its ISO region
code ("HK", "US") — never the number.

A centre names its own area by its telephone area code (区号, "010", "0755"): a code every
centre knows and that does not change with the library. The area's *name* is looked up from the
code with the same library (and so the same data version) that names the caller's area, so the
two always compare like with like. The geocoder gives the same names for landline area codes and
for mobile prefixes (138 0013 8000 → "北京市", 022 … → "天津市", 135 1000 0000 → "广东省深圳市").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import geocoder

MAINLAND = "CN"
# The geocoder's name for a mainland number whose city it does not know (e.g. 199 prefixes).
_COUNTRY_ONLY = frozenset({"", "中国"})
_AREA_CODE = re.compile(r"0[1-9][0-9]{1,2}")


@dataclass(frozen=True)
class CallerArea:
    area: str  # "北京市", or an ISO region code for elsewhere ("HK"), or "" when unknown
    is_local: bool | None  # None: unknown (no number, an unknown area, or no area set)


UNKNOWN = CallerArea("", None)


@lru_cache(maxsize=256)
def area_name_for_code(area_code: str) -> str:
    """The geocoder's name of a mainland telephone area code ("010" → "北京市"), or "" when the
    code is not one it knows."""
    if not _AREA_CODE.fullmatch(area_code or ""):
        return ""
    digits = area_code[1:]
    for subscriber in ("23456789", "2345678"):  # 8- or 7-digit local numbers
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(digits + subscriber))
        if phonenumbers.is_valid_number(number) and phonenumbers.length_of_geographical_area_code(
            number
        ) == len(digits):
            name = geocoder.description_for_number(number, "zh")
            return "" if name in _COUNTRY_ONLY else name
    return ""


def validate_area_code(value: str) -> None:
    """A centre's area code must be one the geocoder knows (blank: not set)."""
    if value and not area_name_for_code(value):
        raise ValidationError(
            _("Enter the telephone area code of the centre's city, e.g. 010 or 0755."),
            code="area_code",
        )


def caller_area(number: str, local_area_code: str = "") -> CallerArea:
    """The area of ``number`` and whether it is the centre's (``local_area_code``).

    A mainland number the geocoder places in a city: that city's name, local when it is the
    centre's. A number of elsewhere (Hong Kong, abroad): its region code, never local. A number
    that does not parse, is not valid, or is mainland without a known city: unknown."""
    text = unicodedata.normalize("NFKC", number or "").strip()
    if not text:
        return UNKNOWN
    try:
        parsed = phonenumbers.parse(text, MAINLAND)
    except phonenumbers.NumberParseException:
        return UNKNOWN
    if not phonenumbers.is_valid_number(parsed):
        return UNKNOWN
    region = phonenumbers.region_code_for_number(parsed) or ""
    if region != MAINLAND:
        return CallerArea(region, False) if region else UNKNOWN
    name = geocoder.description_for_number(parsed, "zh")
    if name in _COUNTRY_ONLY:
        return UNKNOWN
    local_name = area_name_for_code(local_area_code) if local_area_code else ""
    return CallerArea(name, (name == local_name) if local_name else None)
