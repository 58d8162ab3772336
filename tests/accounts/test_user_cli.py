"""`ipnav user create / role / token / list` as an administrator runs them at bootstrap."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ipnav.accounts import Accounts
from ipnav.cli import app
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

runner = CliRunner()


def ipnav(env, *args: str, input: str | None = None):
    return runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)


def test_user_create_role_token_and_list(tmp_path, sample_data):
    env = {"IPNAV_HOME": str(tmp_path / "home"), "IPNAV_SAMPLE_DATA": str(sample_data)}
    made = ipnav(
        env,
        "user", "create", "Admin@Example.org", "--name", "Admin", "--org", "Hubei TISC",
        "--org-kind", "tisc", "--role", "institution-admin", "--password-stdin",
        input="admin password 1\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "created admin@example.org (institution_admin of Hubei TISC)" in made.output

    weak = ipnav(env, "user", "create", "b@example.org", "--password-stdin", input="short\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    again = ipnav(env, "user", "create", "admin@example.org", "--password-stdin",
                  input="admin password 1\n")  # fmt: skip
    assert again.exit_code == 1 and "exists already" in again.output
    bad_role = ipnav(env, "user", "role", "admin@example.org", "king")
    assert bad_role.exit_code == 1 and "system_admin" in bad_role.output

    changed = ipnav(env, "user", "role", "admin@example.org", "system_admin")
    assert changed.exit_code == 0 and "now system_admin" in changed.output
    token = ipnav(env, "user", "token", "admin@example.org", "--name", "backup").stdout.strip()
    listed = json.loads(ipnav(env, "user", "list", "--format", "json").stdout)
    assert [(u["email"], u["role"]) for u in listed] == [("admin@example.org", "system_admin")]

    with PatentStore.open(Settings(home=tmp_path / "home")) as store:
        accounts = Accounts(store.engine)
        assert accounts.user_for_token(token).email == "admin@example.org"
        entries = accounts.audit_log()[1]
    role_change = next(e for e in entries if e.action == "user.role")
    assert role_change.actor.startswith("cli") and role_change.details["to"] == "system_admin"
