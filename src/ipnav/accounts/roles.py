"""Roles, ordered by what they may do, and the kinds of organisation a user belongs to."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from ipnav.accounts.errors import UnknownRole


class Role(IntEnum):
    """Who may use what: each role may do everything the roles below it may.

    ``anonymous`` is the public without an account; it is never stored on a user.
    """

    anonymous = 0
    member = 10  # registered member of the public
    analyst = 20  # patent analyst of a service institution
    institution_admin = 30  # administers one institution and its members
    provincial_admin = 40  # oversees the institutions of a province
    system_admin = 50  # runs the platform

    @classmethod
    def parse(cls, name: str) -> Role:
        """The role called ``name`` (``institution-admin`` and case are accepted)."""
        key = name.strip().lower().replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(r.name for r in cls if r is not cls.anonymous)
            raise UnknownRole(f"unknown role {name!r}; choose one of: {choices}") from None


class OrganisationKind(StrEnum):
    """Institutions of the IP public-service network, and users' own organisations."""

    tisc = "tisc"  # Technology and Innovation Support Center
    university_center = "university_center"  # university IP information service center
    provincial_center = "provincial_center"
    service_outlet = "service_outlet"
    protection_center = "protection_center"  # IP protection center
    enterprise = "enterprise"
    university = "university"
    other = "other"

    @classmethod
    def parse(cls, name: str) -> OrganisationKind:
        key = name.strip().lower().replace("-", "_")
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(k.value for k in cls)
            raise UnknownRole(
                f"unknown organisation kind {name!r}; choose one of: {choices}"
            ) from None
