"""PROVISIONAL — being replaced by the full implementation (applicants helper)."""

from __future__ import annotations

from ipnav.model.record import ApplicantType, Party


def normalize_name(name: str) -> str:
    return " ".join(name.upper().split())


def classify_applicant(name: str) -> ApplicantType:
    if "大学" in name or "UNIVERSITY" in name.upper():
        return ApplicantType.UNIVERSITY
    return ApplicantType.COMPANY


def make_party(name: str, *, country: str | None = None, city: str | None = None) -> Party:
    return Party(
        name=name,
        normalized_name=normalize_name(name),
        type=classify_applicant(name),
        country=country,
        city=city,
    )
