"""Splitting a claims text into numbered claims.

Scraped and exported claims come as one string: ``"1.一种…，其特征在于…。2.根据权利要
求1所述的…"`` or ``"1. A method … 2. The method of claim 1, …"``. A claim
starts where its number is followed by a dot or 、 and the numbers run 1, 2,
3 …; demanding the exact next number avoids splitting at reference signs
("(1)") or at decimals ("8.5 wt%"). Dependencies are read from "权利要求N" /
"claim N" references. Deeper analysis (preamble, elements) lives with the
risk tools.
"""

from __future__ import annotations

import re

from ipnav.model.record import Claim

_START = re.compile(r"(?:(?<=^)|(?<=[\s。.;；:：,，]))(\d{1,3})\s*[.．、]\s*(?=\D)")
_REF_ZH = re.compile(r"权利要求\s*(\d{1,3})(?:\s*[-~至到或和、,，]\s*(\d{1,3}))?")
_REF_EN = re.compile(r"\bclaims?\s+(\d{1,3})(?:\s*(?:-|to|or|and|through)\s*(\d{1,3}))?", re.I)


def split_claims(text: str) -> list[Claim]:
    """Numbered claims of ``text``; one unnumbered claim when no numbering is found."""
    text = text.strip()
    if not text:
        return []
    starts: list[tuple[int, int, int]] = []  # (number, match start, text start)
    expected = 1
    for match in _START.finditer(text):
        if int(match.group(1)) == expected:
            starts.append((expected, match.start(), match.end()))
            expected += 1
    if not starts or (starts[0][1] > 0 and text[: starts[0][1]].strip()):
        return [Claim(number=None, text=text, depends_on=dependencies(text, None))]
    claims = []
    for i, (number, _, begin) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        body = text[begin:end].strip()
        claims.append(Claim(number=number, text=body, depends_on=dependencies(body, number)))
    return claims


def dependencies(claim_text: str, number: int | None) -> list[int]:
    """Claims that ``claim_text`` refers back to (ranges expanded), excluding itself."""
    refs: list[int] = []
    for pattern in (_REF_ZH, _REF_EN):
        for match in pattern.finditer(claim_text):
            low = int(match.group(1))
            high = int(match.group(2)) if match.group(2) else low
            for ref in range(low, min(high, low + 50) + 1):
                if ref != number and ref not in refs and (number is None or ref < number):
                    refs.append(ref)
    return refs
