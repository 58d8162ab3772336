"""Administration pages: the audit log and users' roles (institution admins and above)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ipnav.accounts import Role
from ipnav.web.deps import AccountsDep, Csrf, InstitutionAdmin, PagesDep

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: InstitutionAdmin,
    pages: PagesDep,
    accounts: AccountsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    total, entries = accounts.audit_log(
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, action=action or None
    )
    return pages.render(
        request,
        "admin_audit.html",
        {
            "entries": entries,
            "total": total,
            "page": page,
            "last_page": max(1, -(-total // PAGE_SIZE)),
            "action": action or "",
        },
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, user: InstitutionAdmin, pages: PagesDep, accounts: AccountsDep
) -> HTMLResponse:
    return pages.render(
        request,
        "admin_users.html",
        {
            "users": accounts.users_visible_to(user),
            "grantable": [
                r
                for r in Role
                if Role.anonymous < r and (user.role is Role.system_admin or r < user.role)
            ],
        },
    )


@router.post("/admin/users/role")
def change_role(
    user: InstitutionAdmin,
    _csrf: Csrf,
    accounts: AccountsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    accounts.assign_role(user, email, Role.parse(role))
    return RedirectResponse("/admin/users", status_code=303)
