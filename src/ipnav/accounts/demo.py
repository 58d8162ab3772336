"""Demo accounts: one user per role in a generated demo organisation, for ``ipnav demo``.

A local demo needs someone to log in as for each role (a member saving searches,
an analyst, the administrators' pages). :func:`ensure_demo_accounts` creates them
in the organisation :data:`DEMO_ORGANISATION`, whose name says it was generated,
with the fixed passwords of :data:`DEMO_ACCOUNTS` — published in the README, so
they are for a demo on ``127.0.0.1`` only, never for a server others can reach.
``IPNAV_DEMO_ACCOUNTS=0`` (or ``ipnav demo --no-demo-accounts``) leaves them out.

Idempotent: an account that exists already is kept as it is (a changed password
or role stays changed); only missing ones are created.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipnav.accounts.errors import DuplicateEmail, UnknownUser
from ipnav.accounts.roles import OrganisationKind, Role
from ipnav.accounts.service import Accounts

#: The organisation of the demo accounts; "(generated demo)" marks it as not real.
DEMO_ORGANISATION = "演示机构 (generated demo)"
DEMO_ORGANISATION_KIND = OrganisationKind.tisc
#: Who the audit log names as creating them.
DEMO_ACTOR = "ipnav demo"


@dataclass(frozen=True)
class DemoAccount:
    """One demo login: e-mail, password, role and display name."""

    email: str
    password: str
    role: Role
    name: str


#: One account per role, lowest first. Passwords follow the password rule (10+
#: characters, letters and digits) and are published: local demo only.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo-member@example.org", "demo-member-2026", Role.member, "演示会员 Demo Member"),
    DemoAccount(
        "demo-analyst@example.org", "demo-analyst-2026", Role.analyst, "演示分析师 Demo Analyst"
    ),
    DemoAccount(
        "demo-inst-admin@example.org",
        "demo-inst-admin-2026",
        Role.institution_admin,
        "演示机构管理员 Demo Institution Admin",
    ),
    DemoAccount(
        "demo-prov-admin@example.org",
        "demo-prov-admin-2026",
        Role.provincial_admin,
        "演示省级管理员 Demo Provincial Admin",
    ),
    DemoAccount(
        "demo-sys-admin@example.org",
        "demo-sys-admin-2026",
        Role.system_admin,
        "演示系统管理员 Demo System Admin",
    ),
)


@dataclass(frozen=True)
class DemoAccountStatus:
    """What :func:`ensure_demo_accounts` did for one account: ``new`` (created now) or ``kept``."""

    account: DemoAccount
    action: str


def ensure_demo_accounts(accounts: Accounts) -> list[DemoAccountStatus]:
    """Create the missing :data:`DEMO_ACCOUNTS`; returns one status per account, in order."""
    done: list[DemoAccountStatus] = []
    for account in DEMO_ACCOUNTS:
        try:
            accounts.user_by_email(account.email)
        except UnknownUser:
            pass
        else:
            done.append(DemoAccountStatus(account, "kept"))
            continue
        try:
            accounts.create_user(
                account.email,
                account.password,
                name=account.name,
                role=account.role,
                organisation=DEMO_ORGANISATION,
                organisation_kind=DEMO_ORGANISATION_KIND,
                actor=DEMO_ACTOR,
            )
        except DuplicateEmail:  # created by a concurrent `ipnav demo` in between
            done.append(DemoAccountStatus(account, "kept"))
        else:
            done.append(DemoAccountStatus(account, "new"))
    return done


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_ORGANISATION",
    "DemoAccount",
    "DemoAccountStatus",
    "ensure_demo_accounts",
]
