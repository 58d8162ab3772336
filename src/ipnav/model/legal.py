"""Legal status from the texts that offices and databases use.

Sources state status in their own words: USPTO PEDS ("Patented Case",
"Abandoned -- Failure to Respond to an Office Action"), Chinese database
exports (有效, 失效, 驳回, 视为撤回, 实质审查 ...), Lens / Google ("Active",
"Expired - Fee Related"). :func:`status_from_text` maps them to
:class:`LegalStatus`; a text it does not know gives ``None`` — callers keep
the raw text, nothing is guessed.
"""

from __future__ import annotations

from ipnav.model.record import LegalStatus

# Checked in order; the first pattern found in the (lower-cased) text wins, so
# specific phrases come before general ones ("patent expired due to
# nonpayment" is a lapse, not a natural expiry).
_PATTERNS: tuple[tuple[str, LegalStatus], ...] = (
    ("nonpayment of maintenance", LegalStatus.LAPSED),
    ("non-payment", LegalStatus.LAPSED),
    ("fee related", LegalStatus.LAPSED),
    ("未缴年费", LegalStatus.LAPSED),
    ("年费终止", LegalStatus.LAPSED),
    ("期限届满", LegalStatus.EXPIRED),
    ("届满", LegalStatus.EXPIRED),
    ("expired", LegalStatus.EXPIRED),
    ("lifetime", LegalStatus.EXPIRED),
    ("全部无效", LegalStatus.INVALIDATED),
    ("宣告无效", LegalStatus.INVALIDATED),
    ("无效", LegalStatus.INVALIDATED),
    ("invalidated", LegalStatus.INVALIDATED),
    ("revoked", LegalStatus.INVALIDATED),
    ("驳回", LegalStatus.REJECTED),
    ("rejected", LegalStatus.REJECTED),
    ("refused", LegalStatus.REJECTED),
    ("撤回", LegalStatus.WITHDRAWN),
    ("withdrawn", LegalStatus.WITHDRAWN),
    ("放弃", LegalStatus.ABANDONED),
    ("abandon", LegalStatus.ABANDONED),
    ("失效", LegalStatus.LAPSED),
    ("ceased", LegalStatus.LAPSED),
    ("lapsed", LegalStatus.LAPSED),
    ("inactive", LegalStatus.LAPSED),
    ("patented case", LegalStatus.GRANTED),
    ("授权", LegalStatus.GRANTED),
    ("有效", LegalStatus.GRANTED),
    ("granted", LegalStatus.GRANTED),
    ("active", LegalStatus.GRANTED),
    ("in force", LegalStatus.GRANTED),
    ("实质审查", LegalStatus.PENDING),
    ("审中", LegalStatus.PENDING),
    ("公开", LegalStatus.PENDING),
    ("pending", LegalStatus.PENDING),
    ("docketed", LegalStatus.PENDING),
    ("awaiting", LegalStatus.PENDING),
    ("action mailed", LegalStatus.PENDING),
    ("allowance", LegalStatus.PENDING),
    ("response to", LegalStatus.PENDING),
    ("examin", LegalStatus.PENDING),
    ("publication", LegalStatus.PENDING),
)


def status_from_text(text: str | None) -> LegalStatus | None:
    """The :class:`LegalStatus` a status text states, or ``None`` when unknown."""
    if not text:
        return None
    lowered = text.strip().lower()
    for value in LegalStatus:
        if lowered == value.value:
            return value
    for pattern, status in _PATTERNS:
        if pattern in lowered:
            return status
    return None
