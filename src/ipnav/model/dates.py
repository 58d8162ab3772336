"""The range of dates a patent document can carry.

The first patent laws with numbered publications date from 1790 (US Patent
Act); a date before that, or after 2100, is a typo in the source
("0200-11-28" for a 2007 priority), and it would also break search engines
whose date type starts in 1677.
"""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1790, 1, 1)
LATEST = dt.date(2100, 12, 31)


def plausible(day: dt.date) -> dt.date:
    """``day`` itself, or ValueError when no patent document can carry it."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(
            f"{day.isoformat()} is not a plausible patent date (expected {EARLIEST.year}–"
            f"{LATEST.year}); probably a typo in the source"
        )
    return day
