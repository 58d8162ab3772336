"""``ipnav user``: bootstrap accounts, roles and API tokens from the command line.

A thin shell over :class:`ipnav.accounts.Accounts`, acting as the local operator
(``cli:<login>`` in the audit log); registered by :mod:`ipnav.cli` as ``ipnav user``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ipnav.cli_render import OutputFormat
from ipnav.errors import IpnavError

app = typer.Typer(
    help="Users and roles: create accounts, change roles, issue API tokens.",
    no_args_is_help=True,
)

ROLE_NAMES = "member, analyst, institution_admin, provincial_admin, system_admin"
ORG_KINDS = (
    "tisc, university_center, provincial_center, service_outlet, protection_center, "
    "enterprise, university, other"
)


def shell():
    """The main CLI module (its store, settings and output helpers), imported on use."""
    from ipnav import cli

    return cli


def _accounts(store):
    from ipnav.accounts import Accounts

    return Accounts(store.engine)


@app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="E-mail address; the login name.")],
    name: Annotated[
        str | None, typer.Option(help="Display name (default: from the e-mail).")
    ] = None,
    org: Annotated[str | None, typer.Option(help="Organisation; created when new.")] = None,
    org_kind: Annotated[
        str, typer.Option("--org-kind", help=f"Kind of a new organisation: {ORG_KINDS}.")
    ] = "other",
    role: Annotated[str, typer.Option(help=f"Role: {ROLE_NAMES}.")] = "member",
    lang: Annotated[str, typer.Option(help="Language of the pages: zh or en.")] = "zh",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (ipnav user create EMAIL --name … --org … --role …)."""
    from ipnav.accounts import Role

    try:
        parsed = Role.parse(role)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        with shell()._open_store(shell()._settings()) as store:
            user = _accounts(store).create_user(
                email,
                password,
                name=name,
                role=parsed,
                organisation=org,
                organisation_kind=org_kind,
                language=lang,
                actor=shell()._cli_actor(),
            )
    except IpnavError as exc:
        raise shell()._fail(exc) from None
    org_text = f" of {user.organisation}" if user.organisation else ""
    shell().out.print(f"created {user.email} ({user.role.name}{org_text})", highlight=False)


@app.command("role")
def user_role(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    role: Annotated[str, typer.Argument(help=f"New role: {ROLE_NAMES}.")],
) -> None:
    """Change a user's role (recorded in the audit log)."""
    from ipnav.accounts import Role

    try:
        parsed = Role.parse(role)
        with shell()._open_store(shell()._settings()) as store:
            user = _accounts(store).set_role(email, parsed, actor=shell()._cli_actor())
    except IpnavError as exc:
        raise shell()._fail(exc) from None
    shell().out.print(f"{user.email} is now {user.role.name}", highlight=False)


@app.command("token")
def user_token(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Create an API token for a user and print it (shown once; stored only hashed)."""
    try:
        with shell()._open_store(shell()._settings()) as store:
            accounts = _accounts(store)
            secret, _token = accounts.create_token(accounts.user_by_email(email), name)
    except IpnavError as exc:
        raise shell()._fail(exc) from None
    sys.stdout.write(secret + "\n")


@app.command("list")
def user_list(
    format: Annotated[OutputFormat, typer.Option(help="table or json.")] = OutputFormat.table,
) -> None:
    """List the users with their role and organisation."""
    try:
        with shell()._open_store(shell()._settings()) as store:
            users = _accounts(store).users()
    except IpnavError as exc:
        raise shell()._fail(exc) from None
    rows = [
        {
            "email": u.email,
            "name": u.name,
            "role": u.role.name,
            "organisation": u.organisation,
            "organisation_kind": u.organisation_kind,
            "locked_until": u.locked_until,
        }
        for u in users
    ]
    if format is OutputFormat.json:
        shell()._print_json(rows)
        return
    table = Table("e-mail", "name", "role", "organisation")
    for row in rows:
        table.add_row(row["email"], row["name"], row["role"], row["organisation"] or "")
    shell().out.print(table)
