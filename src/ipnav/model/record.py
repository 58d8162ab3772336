"""The canonical patent record: one publication, whatever source it came from.

Every importer maps its input to :class:`PatentRecord`; the store keeps one
record per publication (merging sources, see :mod:`ipnav.model.merge`); search,
analytics and every later domain read only this shape.

Rules the whole code base relies on:

* a field the source does not give is empty (``None``, ``[]``, ``{}``), never
  guessed;
* texts are keyed by language code (``"zh"``, ``"en"``, ``"ja"`` ...); texts a
  source machine-translated are listed in ``machine_translated`` as
  ``"<field>.<lang>"`` (e.g. ``"abstract.zh"``);
* classification symbols are stored in compact form (``"G06F9/30189"``), see
  :mod:`ipnav.model.classification`;
* ``id`` is ``country + number + kind`` (``CN108022189A``); the kind is left
  out only where the source does not say it (``US6836996``); a record without
  any publication number keeps its source's id inside its own id
  (``BDCI-635a7d4b6358b6ff24a324bb871505db``, ``US-APP-16100000``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApplicantType(StrEnum):
    """Kinds of applicant that navigation and transfer work tell apart."""

    UNIVERSITY = "university"
    INSTITUTE = "institute"
    COMPANY = "company"
    INDIVIDUAL = "individual"
    GOVERNMENT = "government"
    OTHER = "other"


class LegalStatus(StrEnum):
    """Current legal status of a patent or application, where a source states it."""

    PENDING = "pending"
    GRANTED = "granted"
    LAPSED = "lapsed"
    EXPIRED = "expired"
    INVALIDATED = "invalidated"
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"
    REJECTED = "rejected"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Party(_Part):
    """An applicant, assignee (patentee) or agent."""

    name: str = Field(description="Name exactly as the source gives it.")
    normalized_name: str = Field(
        default="", description="Grouping key: variants of one organisation share it."
    )
    type: ApplicantType | None = None
    country: str | None = Field(default=None, description="ISO 3166 / WIPO ST.3 code.")
    province: str | None = Field(default=None, description="Chinese province, where known.")
    city: str | None = None


class Person(_Part):
    """An inventor (or examiner) by name."""

    name: str
    country: str | None = None


class PriorityClaim(_Part):
    country: str | None = None
    number: str
    date: dt.date | None = None


class Citation(_Part):
    """A patent document this one cites."""

    ref: str = Field(description="Normalised publication id of the cited document.")
    match_key: str = Field(default="", description="Country + number, kind dropped.")
    category: str | None = Field(
        default=None, description="Who cited it: 'examiner', 'applicant', 'third party'."
    )
    date: dt.date | None = None
    name: str | None = Field(default=None, description="First-named applicant/inventor.")


class LegalEvent(_Part):
    date: dt.date | None = None
    code: str | None = None
    description: str = ""
    status: LegalStatus | None = Field(
        default=None, description="Status the event puts the patent in, when it implies one."
    )


class Claim(_Part):
    number: int | None = None
    text: str
    depends_on: list[int] = Field(default_factory=list)


class SourceRef(_Part):
    """Where (part of) a record came from."""

    dataset: str
    source_id: str | None = None


class PatentRecord(BaseModel):
    """One patent publication (or, lacking a publication number, one source document)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    country: str | None = None
    number: str | None = Field(default=None, description="Publication number, normalised.")
    kind: str | None = None
    application_number: str | None = None
    priority_claims: list[PriorityClaim] = Field(default_factory=list)
    filing_date: dt.date | None = None
    publication_date: dt.date | None = None
    grant_date: dt.date | None = None

    title: dict[str, str] = Field(default_factory=dict)
    abstract: dict[str, str] = Field(default_factory=dict)
    claims: dict[str, list[Claim]] = Field(default_factory=dict)
    description: dict[str, str] = Field(default_factory=dict)
    machine_translated: list[str] = Field(default_factory=list)
    claims_count: int | None = None

    ipc: list[str] = Field(default_factory=list)
    cpc: list[str] = Field(default_factory=list)
    national_classes: list[str] = Field(
        default_factory=list, description="National schemes, e.g. USPC 'US:709/228'."
    )

    applicants: list[Party] = Field(default_factory=list)
    inventors: list[Person] = Field(default_factory=list)
    agents: list[Party] = Field(default_factory=list)
    examiners: list[Person] = Field(default_factory=list)

    family_id: str | None = None
    family: list[str] = Field(default_factory=list, description="Publication ids.")
    cited_patents: list[Citation] = Field(default_factory=list)
    cited_by: list[str] = Field(default_factory=list, description="Publication ids.")
    npl_citations: list[str] = Field(default_factory=list)

    legal_status: LegalStatus | None = None
    legal_events: list[LegalEvent] = Field(default_factory=list)

    sources: list[SourceRef] = Field(default_factory=list)
    extra: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Source-specific facts that have no canonical field, keyed by dataset.",
    )

    @property
    def languages(self) -> list[str]:
        """Languages the record has text in (title, abstract, claims, description)."""
        langs: set[str] = set()
        for texts in (self.title, self.abstract, self.claims, self.description):
            langs.update(lang for lang, value in texts.items() if value)
        return sorted(langs)

    def text(self, field: str, prefer: tuple[str, ...] = ("zh", "en")) -> str | None:
        """The ``title``, ``abstract`` or ``description`` in the first preferred language."""
        texts: dict[str, str] = getattr(self, field)
        for lang in prefer:
            if texts.get(lang):
                return texts[lang]
        return next((value for value in texts.values() if value), None)

    @property
    def priority_date(self) -> dt.date | None:
        """Earliest priority date, else the filing date."""
        dates = [claim.date for claim in self.priority_claims if claim.date]
        return min(dates) if dates else self.filing_date

    @property
    def applicant_types(self) -> list[ApplicantType]:
        seen: list[ApplicantType] = []
        for party in self.applicants:
            if party.type and party.type not in seen:
                seen.append(party.type)
        return seen
