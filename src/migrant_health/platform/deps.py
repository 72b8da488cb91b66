"""Request dependencies: the database session, the caller's account, CSRF and page rendering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform import login_sessions
from migrant_health.platform.models import Account
from migrant_health.platform.security import csrf_ok, csrf_token
from migrant_health.platform.settings import Settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
CSRF_REFUSED = "the form's security token is missing or stale; reload the page and try again"


def db(request: Request) -> Iterator[Session]:
    """A session per request, committed when the handler returns and rolled back if it raises;
    then the callbacks queued in ``session.info["after_commit"]`` (or ``"after_rollback"``) run."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        try:
            with session.begin():
                yield session
        except BaseException:
            for callback in session.info.pop("after_rollback", []):
                callback()
            raise
        # Work that needs the committed rows (a background job reads its own row).
        for callback in session.info.pop("after_commit", []):
            callback()


#: The request's database session, as routes declare it. Scope "function": committed when the
#: route returns, before its response is sent. FastAPI's default scope commits after sending,
#: so a client that follows a redirect at once (to the new wave, or just logged in) could miss
#: the row.
DB = Depends(db, scope="function")


def settings_of(request: Request) -> Settings:
    """The deployment's settings."""
    settings: Settings = request.app.state.settings
    return settings


def current_account(request: Request, session: Session = DB) -> Account | None:
    """The logged-in account, or ``None`` (anonymous, logged out, expired, or deactivated).

    The cookie's token is looked up in the database on every call, so a login that was ended
    (logout, deactivation, a new password) is refused even from a copy of the cookie.
    """
    token = request.session.get(login_sessions.TOKEN_KEY)
    if not isinstance(token, str):
        return None
    account = login_sessions.account_of(session, token)
    if account is None:
        request.session.clear()
    return account


def require_account(account: Account | None = Depends(current_account)) -> Account:
    """The logged-in account; 401 for anonymous requests."""
    if account is None:
        raise HTTPException(status_code=401, detail="log in first")
    return account


def require_admin(account: Account = Depends(require_account)) -> Account:
    """The logged-in admin; 403 for anyone else."""
    if account.role != "admin":
        raise HTTPException(status_code=403, detail="only an admin may do this")
    return account


def require_analyst(account: Account = Depends(require_account)) -> Account:
    """The logged-in regional analyst; 403 for anyone else."""
    if account.role != "analyst":
        raise HTTPException(status_code=403, detail="only a regional analyst may do this")
    return account


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token (403).

    Forms post it as the ``csrf_token`` field; API calls send the ``X-CSRF-Token`` header.
    """
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not csrf_ok(request.session, sent):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)


def client_address(request: Request) -> str:
    """The caller's address (the reverse proxy's, behind one; see docs/platform.md)."""
    return request.client.host if request.client else ""


def render(
    request: Request, template: str, account: Account | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page of ``templates/`` with the account, its CSRF token and the context."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"account": account, "csrf": csrf_token(request.session), **context},
        status_code=status_code,
    )
