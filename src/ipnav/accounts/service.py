"""Users, organisations and API tokens over the store's database.

:class:`Accounts` is the one entry point the web app and the CLI use. Every
change that matters (user created, role changed, login, failed login, lock-out,
password changed, token created or revoked) is written to the audit log in the
same transaction as the change itself.

Lock-out: after :data:`MAX_FAILED_LOGINS` wrong passwords in a row an account is
locked for :data:`LOCK_MINUTES` minutes (OWASP Authentication Cheat Sheet,
"Account lockout"); a successful login resets the count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from ipnav.accounts import audit, passwords
from ipnav.accounts.audit import AuditEntry, utcnow
from ipnav.accounts.errors import (
    AccountLocked,
    DuplicateEmail,
    InvalidCredentials,
    InvalidToken,
    NotAllowed,
    UnknownUser,
    WeakPassword,
)
from ipnav.accounts.roles import OrganisationKind, Role
from ipnav.store.schema import api_token, app_user, organisation

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
TOKEN_PREFIX = "ipn_"
#: A token's ``last_used_at`` is written at most this often: an API client sends many
#: requests a minute, and a write (and commit) per request cost more than the lookup.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)
LANGUAGES = ("zh", "en")

__all__ = ["ANONYMOUS", "Accounts", "ApiToken", "AuditEntry", "User"]


@dataclass(frozen=True)
class User:
    """Who is asking: a stored user, or :data:`ANONYMOUS`."""

    id: int | None
    email: str
    name: str
    role: Role
    organisation: str | None = None
    organisation_kind: str | None = None
    language: str = "zh"
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    stamp: str = ""  # changes with the password: sessions made before are void

    @property
    def anonymous(self) -> bool:
        return self.id is None

    def may(self, role: Role) -> bool:
        return self.role >= role


ANONYMOUS = User(id=None, email="", name="anonymous", role=Role.anonymous)


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _token_hash(secret: str) -> str:
    # API tokens carry 256 random bits, so a fast hash is enough (no dictionary to try).
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise UnknownUser(f"{email[:80]!r} is not an e-mail address (expected name@example.org)")
    return email


class Accounts:
    """Users, organisations, tokens and the audit log, in the database of ``engine``.

    The schema comes with the store's migrations (``PatentStore.open`` runs them).
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- organisations ---------------------------------------------------------

    def organisation_id(
        self, conn: Connection, name: str, kind: OrganisationKind | str = OrganisationKind.other
    ) -> int:
        """The id of the organisation ``name``, created with ``kind`` when new."""
        found = conn.execute(
            select(organisation.c.id).where(organisation.c.name == name.strip())
        ).scalar()
        if found is not None:
            return found
        kind = OrganisationKind.parse(str(kind))
        return conn.execute(
            organisation.insert().values(name=name.strip(), kind=kind.value, created_at=utcnow())
        ).inserted_primary_key[0]

    # -- users -----------------------------------------------------------------

    def create_user(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        role: Role = Role.member,
        organisation: str | None = None,
        organisation_kind: OrganisationKind | str = OrganisationKind.other,
        language: str = "zh",
        actor: str | None = None,
    ) -> User:
        """Store a new user; raises :class:`WeakPassword` or :class:`DuplicateEmail`."""
        email = normalise_email(email)
        if role is Role.anonymous:
            raise WeakPassword("a stored user needs a role above anonymous, e.g. member")
        password_hash = passwords.hash_password(password)
        try:
            with self.engine.begin() as conn:
                org_id = (
                    self.organisation_id(conn, organisation, organisation_kind)
                    if organisation
                    else None
                )
                conn.execute(
                    app_user.insert().values(
                        email=email,
                        display_name=(name or email.split("@")[0]).strip()[:200],
                        organisation_id=org_id,
                        role=role.name,
                        password_hash=password_hash,
                        failed_logins=0,
                        language=language if language in LANGUAGES else "zh",
                        created_at=utcnow(),
                    )
                )
                audit.record(
                    conn,
                    "user.create",
                    actor=actor,
                    target=email,
                    details={"role": role.name, "organisation": organisation},
                )
        except IntegrityError:
            raise DuplicateEmail(
                f"a user with e-mail {email} exists already; use `ipnav user role` to change it"
            ) from None
        return self.user_by_email(email)

    def _select_user(self):
        return select(
            app_user, organisation.c.name.label("org_name"), organisation.c.kind.label("org_kind")
        ).select_from(app_user.outerjoin(organisation))

    @staticmethod
    def _user(row) -> User:
        return User(
            id=row["id"],
            email=row["email"],
            name=row["display_name"],
            role=Role[row["role"]],
            organisation=row["org_name"],
            organisation_kind=row["org_kind"],
            language=row["language"],
            failed_logins=row["failed_logins"],
            locked_until=_aware(row["locked_until"]),
            stamp=_stamp(row["password_hash"]),
        )

    def user_by_email(self, email: str) -> User:
        email = normalise_email(email)
        with self.engine.connect() as conn:
            row = (
                conn.execute(self._select_user().where(app_user.c.email == email))
                .mappings()
                .first()
            )
        if row is None:
            raise UnknownUser(f"no user has e-mail {email}; create one with `ipnav user create`")
        return self._user(row)

    def user_by_id(self, user_id: int) -> User | None:
        """The user, or None when it was deleted (a session may outlive its user)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(self._select_user().where(app_user.c.id == user_id)).mappings().first()
            )
        return None if row is None else self._user(row)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(self._select_user().order_by(app_user.c.email)).mappings().all()
        return [self._user(r) for r in rows]

    def set_role(self, email: str, role: Role, *, actor: str | None = None) -> User:
        """Change a user's role (recorded in the audit log with the old role)."""
        user = self.user_by_email(email)
        if role is Role.anonymous:
            raise WeakPassword("a stored user needs a role above anonymous, e.g. member")
        with self.engine.begin() as conn:
            conn.execute(update(app_user).where(app_user.c.id == user.id).values(role=role.name))
            audit.record(
                conn,
                "user.role",
                actor=actor,
                target=user.email,
                details={"from": user.role.name, "to": role.name},
            )
        return self.user_by_email(email)

    def users_visible_to(self, admin: User) -> list[User]:
        """The users an administrator manages: an institution's own, or all from provincial up."""
        users = self.users()
        if admin.role >= Role.provincial_admin:
            return users
        return [u for u in users if u.organisation and u.organisation == admin.organisation]

    def assign_role(self, admin: User, email: str, role: Role) -> User:
        """``admin`` gives ``email`` the role ``role``, if the rules allow it.

        Below the system admin, an administrator grants only roles below their own, to
        users below their own role; an institution admin only within their organisation.
        """
        target = self.user_by_email(email)
        if admin.role < Role.institution_admin:
            raise NotAllowed("only administrators change roles")
        if admin.role is not Role.system_admin:
            if role >= admin.role or target.role >= admin.role:
                raise NotAllowed(
                    f"a {admin.role.name} grants only roles below their own to users below it"
                )
            if admin.role < Role.provincial_admin and target.organisation != admin.organisation:
                raise NotAllowed(f"{target.email} is not a member of {admin.organisation}")
        return self.set_role(email, role, actor=admin.email)

    def set_language(self, user: User, language: str) -> None:
        if user.anonymous or language not in LANGUAGES or language == user.language:
            return
        with self.engine.begin() as conn:
            conn.execute(update(app_user).where(app_user.c.id == user.id).values(language=language))

    def change_password(self, user: User, old: str, new: str) -> User:
        """Set a new password after checking the old one; earlier sessions become void."""
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(app_user.c.password_hash).where(app_user.c.id == user.id)
            ).scalar()
        if stored is None or not passwords.verify_password(stored, old):
            raise InvalidCredentials("the current password is wrong")
        new_hash = passwords.hash_password(new)
        with self.engine.begin() as conn:
            conn.execute(
                update(app_user).where(app_user.c.id == user.id).values(password_hash=new_hash)
            )
            audit.record(conn, "user.password", actor=user.email, target=user.email)
        return self.user_by_email(user.email)

    # -- logging in ------------------------------------------------------------

    def authenticate(
        self, email: str, password: str, *, now: dt.datetime | None = None, source: str = ""
    ) -> User:
        """The user whose e-mail and password these are.

        Raises :class:`InvalidCredentials` (never saying whether the address
        exists) or :class:`AccountLocked`. Failures, lock-outs and logins are audited.
        """
        now = now or utcnow()
        details = {"ip": source} if source else {}
        try:
            email = normalise_email(email)
        except UnknownUser:
            raise InvalidCredentials("wrong e-mail address or password") from None
        failure: Exception | None = None
        # The failure is raised after the transaction commits: the count and the
        # audit entries must be kept, not rolled back with the exception.
        with self.engine.begin() as conn:
            row = conn.execute(select(app_user).where(app_user.c.email == email)).mappings().first()
            locked_until = None if row is None else _aware(row["locked_until"])
            if row is None:
                passwords.verify_password(passwords.dummy_hash(), password)
                audit.record(conn, "login.failed", target=email, details=details, at=now)
                failure = InvalidCredentials("wrong e-mail address or password")
            elif locked_until is not None and locked_until > now:
                audit.record(conn, "login.locked", target=email, details=details, at=now)
                failure = AccountLocked(
                    f"the account is locked after {MAX_FAILED_LOGINS} failed logins until "
                    f"{locked_until:%H:%M} UTC; try again then",
                    until=locked_until,
                )
            elif not passwords.verify_password(row["password_hash"], password):
                failed = row["failed_logins"] + 1
                values: dict = {"failed_logins": failed}
                audit.record(
                    conn, "login.failed", target=email, details=details | {"count": failed}, at=now
                )
                if failed >= MAX_FAILED_LOGINS:
                    values = {
                        "failed_logins": 0,
                        "locked_until": now + dt.timedelta(minutes=LOCK_MINUTES),
                    }
                    audit.record(
                        conn, "user.lock", target=email, details={"minutes": LOCK_MINUTES}, at=now
                    )
                conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(**values))
                failure = InvalidCredentials("wrong e-mail address or password")
            else:
                values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
                if passwords.needs_rehash(row["password_hash"]):
                    values["password_hash"] = passwords.rehash(password)
                conn.execute(update(app_user).where(app_user.c.id == row["id"]).values(**values))
                audit.record(conn, "login", actor=email, target=email, details=details, at=now)
        if failure is not None:
            raise failure
        return self.user_by_email(email)

    def record(
        self,
        action: str,
        *,
        actor: str | None = None,
        target: str | None = None,
        details: dict | None = None,
    ) -> None:
        """Add an audit entry for an action the core did not see (e.g. logout)."""
        with self.engine.begin() as conn:
            audit.record(conn, action, actor=actor, target=target, details=details)

    def audit_log(
        self, *, limit: int = 100, offset: int = 0, action: str | None = None
    ) -> tuple[int, list[AuditEntry]]:
        """``(total, entries)``, newest first."""
        return audit.entries(self.engine, limit=limit, offset=offset, action=action)

    # -- API tokens ------------------------------------------------------------

    def create_token(self, user: User, name: str) -> tuple[str, ApiToken]:
        """A new API token for ``user``: the secret (shown once, stored only hashed) and its row."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        name = (name.strip() or "token")[:100]
        now = utcnow()
        with self.engine.begin() as conn:
            token_id = conn.execute(
                api_token.insert().values(
                    user_id=user.id,
                    name=name,
                    token_hash=_token_hash(secret),
                    prefix=secret[:10],
                    created_at=now,
                )
            ).inserted_primary_key[0]
            audit.record(
                conn, "token.create", actor=user.email, target=user.email, details={"name": name}
            )
        return secret, ApiToken(token_id, name, secret[:10], now, None, False)

    def tokens(self, user: User) -> list[ApiToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(api_token).where(api_token.c.user_id == user.id).order_by(api_token.c.id)
            ).mappings()
            return [
                ApiToken(
                    r["id"],
                    r["name"],
                    r["prefix"],
                    _aware(r["created_at"]),
                    _aware(r["last_used_at"]),
                    r["revoked_at"] is not None,
                )
                for r in rows
            ]

    def revoke_token(self, user: User, token_id: int) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_token)
                .where(
                    api_token.c.id == token_id,
                    api_token.c.user_id == user.id,
                    api_token.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            ).rowcount
            if not done:
                raise InvalidToken(f"you have no active token #{token_id}")
            audit.record(
                conn, "token.revoke", actor=user.email, target=user.email, details={"id": token_id}
            )

    def user_for_token(self, secret: str) -> User:
        """The user an API token belongs to; raises :class:`InvalidToken`.

        One statement reads the token and its user; the token's ``last_used_at`` is
        then updated only when it is older than :data:`TOKEN_USE_PRECISION` (so at most
        once a minute per token, whatever the number of requests or web workers).
        """
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            raise InvalidToken("the API token is malformed; create one on your profile page")
        digest = _token_hash(secret)
        query = (
            select(
                app_user,
                organisation.c.name.label("org_name"),
                organisation.c.kind.label("org_kind"),
                api_token.c.id.label("token_id"),
                api_token.c.token_hash.label("token_hash"),
                api_token.c.last_used_at.label("token_used_at"),
            )
            .select_from(
                api_token.outerjoin(app_user, api_token.c.user_id == app_user.c.id).outerjoin(
                    organisation
                )
            )
            .where(api_token.c.token_hash == digest, api_token.c.revoked_at.is_(None))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            raise InvalidToken("the API token is unknown or revoked")
        if row["id"] is None:
            raise InvalidToken("the API token's user no longer exists")
        now = utcnow()
        used = _aware(row["token_used_at"])
        if used is None or not dt.timedelta(0) <= now - used < TOKEN_USE_PRECISION:
            with self.engine.begin() as conn:
                conn.execute(
                    update(api_token)
                    .where(api_token.c.id == row["token_id"])
                    .values(last_used_at=now)
                )
        return self._user(row)
