"""Admin pages: regions, accounts (role and regions) and the audit log."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from migrant_health.platform import audit, login_sessions
from migrant_health.platform.deps import DB, client_address, render, require_admin, require_csrf
from migrant_health.platform.errors import PlatformError
from migrant_health.platform.models import ROLES, Account, AuditEvent, Region
from migrant_health.platform.security import check_password_strength, hash_password

router = APIRouter(prefix="/admin")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
AUDIT_PAGE = 500
#: The longest region name (the column's size: PostgreSQL refuses a longer one).
REGION_NAME_CHARS = 200


def _admin_page(
    request: Request, session: Session, account: Account, error: str = "", status_code: int = 200
) -> Response:
    accounts = list(session.scalars(select(Account).order_by(Account.username)))
    regions = list(session.scalars(select(Region).order_by(Region.code)))
    return render(
        request,
        "admin.html",
        account,
        accounts=accounts,
        regions=regions,
        roles=ROLES,
        error=error,
        status_code=status_code,
    )


@router.get("")
def admin_page(
    request: Request, session: Session = DB, account: Account = Depends(require_admin)
) -> Response:
    """Regions and accounts."""
    return _admin_page(request, session, account)


@router.post("/regions", dependencies=[Depends(require_csrf)])
def add_region(
    request: Request,
    code: str = Form(...),
    name: str = Form(""),  # optional on the form: the code stands in (an empty field is absent)
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Add a region (a province or city)."""
    code, name = code.strip(), name.strip()
    if not _CODE.match(code):
        return _admin_page(
            request,
            session,
            account,
            status_code=422,
            error=f"region code '{code}': use 1-40 letters, digits, - or _",
        )
    if len(name) > REGION_NAME_CHARS:
        return _admin_page(
            request,
            session,
            account,
            status_code=422,
            error=f"region name of {len(name)} characters: use at most {REGION_NAME_CHARS}",
        )
    # "GD" and "gd" would be one region to every reader: codes are unique whatever their case.
    taken = session.scalar(select(Region.code).where(func.lower(Region.code) == code.lower()))
    if taken is not None:
        same = "" if taken == code else f" (as '{taken}'; codes differing only in case are one)"
        return _admin_page(
            request,
            session,
            account,
            status_code=422,
            error=f"region code '{code}' exists already{same}; choose another",
        )
    session.add(Region(code=code, name=name or code))
    audit.record(session, account.username, "region", f"added {code}", client_address(request))
    return RedirectResponse("/admin", status_code=303)


def create_account(
    session: Session, username: str, password: str, role: str, region_ids: list[int]
) -> Account:
    """Add an account bound to ``region_ids``.

    Raises:
        PlatformError: For an unknown role, a weak password, a taken name, an unknown region,
            or an analyst without a region.
    """
    if role not in ROLES:
        raise PlatformError(f"unknown role '{role}'; one of {', '.join(ROLES)}")
    if not re.match(r"^[A-Za-z0-9_.@-]{2,80}$", username):
        raise PlatformError(f"account name '{username}': use 2-80 letters, digits, . _ @ or -")
    check_password_strength(password)
    # "Ana" beside "ana" would be two people to the platform and one to everyone else.
    taken = session.scalar(
        select(Account.username).where(func.lower(Account.username) == username.lower())
    )
    if taken is not None:
        same = "" if taken == username else f" (as '{taken}'; names differing only in case are one)"
        raise PlatformError(f"account '{username}' exists already{same}")
    regions = [session.get(Region, i) for i in region_ids]
    if any(r is None for r in regions):
        raise PlatformError("an unknown region was chosen; reload the page")
    if role == "analyst" and not regions:
        raise PlatformError("a regional analyst must be bound to at least one region")
    account = Account(
        username=username,
        password_hash=hash_password(password),
        role=role,
        active=True,
        regions=[r for r in regions if r is not None],
    )
    session.add(account)
    session.flush()
    return account


@router.post("/accounts", dependencies=[Depends(require_csrf)])
def add_account(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
    region: list[int] = Form([]),
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Add an account (the form's ``region`` field may repeat)."""
    try:
        created = create_account(session, username.strip(), password, role, region)
    except PlatformError as exc:
        return _admin_page(request, session, account, error=str(exc), status_code=422)
    audit.record(
        session,
        account.username,
        "account",
        f"added {created.username} ({created.role}; regions "
        f"{', '.join(r.code for r in created.regions) or 'none'})",
        client_address(request),
    )
    return RedirectResponse("/admin", status_code=303)


def _account_or_404(session: Session, account_id: int) -> Account:
    """The account ``account_id``, or a 404 for an id no account has."""
    target = session.get(Account, account_id)
    if target is None:
        raise HTTPException(status_code=404, detail="no such account")
    return target


@router.get("/accounts/{account_id}/deactivate")
def confirm_deactivate(
    request: Request,
    account_id: int,
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Ask before an account is deactivated (pages run no script: a page of its own)."""
    target = _account_or_404(session, account_id)
    return render(
        request,
        "confirm.html",
        account,
        question=f"Deactivate the account {target.username}?",
        consequences=[
            f"every session of {target.username} ends at once, and the account cannot log in",
            "its name stays taken; Reactivate, on the admin page, lets it log in again",
        ],
        action=f"/admin/accounts/{target.id}/deactivate",
        button=f"Deactivate {target.username}",
        back="/admin",
    )


@router.post("/accounts/{account_id}/deactivate", dependencies=[Depends(require_csrf)])
def deactivate(
    request: Request,
    account_id: int,
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Deactivate an account and end its sessions."""
    target = _account_or_404(session, account_id)
    if target.id == account.id:
        return _admin_page(
            request,
            session,
            account,
            status_code=422,
            error="you cannot deactivate your own account",
        )
    target.active = False
    ended = login_sessions.end_all(session, target.id)
    audit.record(
        session,
        account.username,
        "account",
        f"deactivated {target.username}; {ended} session(s) ended",
        client_address(request),
    )
    return RedirectResponse("/admin", status_code=303)


@router.post("/accounts/{account_id}/reactivate", dependencies=[Depends(require_csrf)])
def reactivate(
    request: Request,
    account_id: int,
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Let a deactivated account log in again (with its password; none of its old sessions
    comes back, they were ended)."""
    target = _account_or_404(session, account_id)
    if not target.active:
        target.active = True
        audit.record(
            session,
            account.username,
            "account",
            f"reactivated {target.username}",
            client_address(request),
        )
    return RedirectResponse("/admin", status_code=303)


@router.post("/accounts/{account_id}/password", dependencies=[Depends(require_csrf)])
def set_password(
    request: Request,
    account_id: int,
    password: str = Form(...),
    session: Session = DB,
    account: Account = Depends(require_admin),
) -> Response:
    """Set an account's password and end its sessions (a leaked password is shut out at once).

    The admin's own session stays when the account is the admin's.
    """
    target = _account_or_404(session, account_id)
    try:
        check_password_strength(password)
    except PlatformError as exc:
        return _admin_page(
            request, session, account, status_code=422, error=f"{target.username}: {exc}"
        )
    target.password_hash = hash_password(password)
    own = request.session.get(login_sessions.TOKEN_KEY)
    ended = login_sessions.end_all(session, target.id, keep=own if isinstance(own, str) else None)
    audit.record(
        session,
        account.username,
        "account",
        f"set the password of {target.username}; {ended} session(s) ended",
        client_address(request),
    )
    return RedirectResponse("/admin", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request, session: Session = DB, account: Account = Depends(require_admin)
) -> Response:
    """The latest events of the audit log."""
    events = list(
        session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE))
    )
    return render(request, "audit.html", account, events=events)
