"""PROVISIONAL — being replaced by the full implementation (numbers helper)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ipnav.errors import IpnavError


class NumberError(IpnavError, ValueError):
    """A patent or application number that cannot be read."""


@dataclass(frozen=True)
class PublicationNumber:
    country: str
    number: str
    kind: str | None = None
    date: dt.date | None = None

    @property
    def id(self) -> str:
        return f"{self.country}{self.number}{self.kind or ''}"

    @property
    def match_key(self) -> str:
        return f"{self.country}{self.number.lstrip('0') if self.number.isdigit() else self.number}"


@dataclass(frozen=True)
class ApplicationNumber:
    country: str
    number: str
    check_digit: str | None = None

    @property
    def normalized(self) -> str:
        return f"{self.country}{self.number}"

    @property
    def display(self) -> str:
        return self.normalized + (f".{self.check_digit}" if self.check_digit else "")


_PUB = re.compile(r"^([A-Z]{2})[\s_-]*([A-Z]{0,2}[\d,/\s]+?)[\s_-]*([A-Z]\d?)?$")


def parse_publication_number(text: str, *, default_country: str | None = None) -> PublicationNumber:
    m = _PUB.match(text.strip().upper())
    if not m:
        raise NumberError(f"'{text}' is not a patent publication number")
    return PublicationNumber(m.group(1), re.sub(r"[,/\s]", "", m.group(2)), m.group(3))


def parse_application_number(
    text: str, *, default_country: str | None = None
) -> ApplicationNumber:
    t = re.sub(r"\s", "", text.strip().upper())
    country = t[:2] if t[:2].isalpha() else (default_country or "")
    body = t[2:] if t[:2].isalpha() else t
    number, _, check = body.partition(".")
    return ApplicationNumber(country, number, check or None)


def match_key(text: str) -> str:
    return parse_publication_number(text).match_key
