"""PROVISIONAL — being replaced by the full implementation (classification helper)."""

from __future__ import annotations

import re

from ipnav.errors import IpnavError


class ClassificationError(IpnavError, ValueError):
    """A classification symbol that cannot be read."""


def normalize_symbol(text: str) -> str:
    """Compact form of an IPC/CPC symbol, e.g. 'G06F 9/30' -> 'G06F9/30'."""
    t = re.sub(r"\s+", "", text.strip().upper())
    if not re.match(r"^[A-H]\d\d[A-Z]", t):
        raise ClassificationError(f"'{text}' is not an IPC/CPC symbol")
    return t
