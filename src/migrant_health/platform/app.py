"""The ASGI application: middleware, error pages and the routers of pages and API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from migrant_health.platform import admin, api, explorer, login_sessions, views
from migrant_health.platform.cache import SharedCache
from migrant_health.platform.database import make_engine
from migrant_health.platform.deps import CSRF_REFUSED, TEMPLATES
from migrant_health.platform.job_runner import JobRunner
from migrant_health.platform.login_limit import LoginLimiter
from migrant_health.platform.login_sessions import SESSION_HOURS
from migrant_health.platform.security import csrf_token
from migrant_health.platform.settings import Settings
from migrant_health.platform.views import SECURE_COOKIE_OVER_HTTP, cookie_cannot_return

_STARLETTE_DETAILS = {
    404: "there is no page at this address",
    405: "this address takes no such request",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


def _error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None
) -> Response:
    """The HTML error page, its header showing who is logged in (as every page's does)."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        token = request.session.get(login_sessions.TOKEN_KEY)
        account = login_sessions.account_of(session, token) if isinstance(token, str) else None
        # Rendered while the session is open: the header reads the account's regions.
        return TEMPLATES.TemplateResponse(
            request,
            "error.html",
            {
                "account": account,
                "status": status,
                "message": message,
                "csrf": csrf_token(request.session),
            },
            status_code=status,
            headers=headers,
        )


@asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[None]:
    """While a server serves the app, its comparison jobs run; when it stops (Ctrl-C), they
    stop and are marked interrupted, and the database connections of its pool are closed. One
    app may be served more than once at a time (tests open a client each): the jobs stop, and
    the pool closes, with the last."""
    runner: JobRunner = app.state.jobs
    runner.open()
    try:
        yield
    finally:
        if await run_in_threadpool(runner.close):  # waits for the jobs: not on the event loop
            # Left open, the pool's connections are closed whenever the garbage collector gets
            # to the dropped app, with psycopg's ResourceWarning "deleted while still open" in
            # whatever code runs then. The engine stays usable: a later serving opens new ones.
            await run_in_threadpool(app.state.engine.dispose)


def create_app(settings: Settings) -> FastAPI:
    """The platform's web application for ``settings`` (the database must be initialised).

    Args:
        settings: The deployment (data directory, database URL, limits).
    """
    app = FastAPI(
        title="migrant-health information platform",
        description="Regional monitoring of integration and health (seed section 4.3).",
        # FastAPI's documentation pages load their scripts from a CDN, which the pages'
        # Content-Security-Policy refuses (and deployments cannot reach): /api/docs is a page
        # of the platform's own, rendered from the OpenAPI document (views.api_docs).
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_serving,
    )
    engine = make_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.cache = SharedCache()
    app.state.jobs = JobRunner(settings, app.state.sessions)
    # Jobs whose server died (no heartbeat for a while) are marked interrupted; those of live
    # servers on the same database are left alone.
    app.state.jobs.reap_stale()
    app.state.limiter = LoginLimiter(
        app.state.sessions, settings.login_attempts, settings.login_window
    )
    # The signed cookie carries the CSRF token and the login's token; whether that login is
    # still good is the database's answer (login_sessions), so logging out revokes it.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="mh_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=settings.secure_cookies,
    )

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
        )
        return response

    # Starlette's class: FastAPI's HTTPException is one, and so are the router's own 404 (no
    # such route) and 405, which otherwise answer {"detail": ...}.
    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if type(exc) is StarletteHTTPException:
            message = _STARLETTE_DETAILS.get(exc.status_code, message)
        if exc.status_code == 403 and exc.detail == CSRF_REFUSED and cookie_cannot_return(request):
            message = SECURE_COOKIE_OVER_HTTP
        if _wants_json(request):
            return JSONResponse(
                {"error": message}, status_code=exc.status_code, headers=exc.headers
            )
        if exc.status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        return await run_in_threadpool(_error_page, request, exc.status_code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        if _wants_json(request):
            return JSONResponse({"error": f"bad request: {problems}"}, status_code=422)
        # A page's address or form with a value of the wrong kind (/waves/abc): named by the
        # field, as a person reads it.
        named = "; ".join(
            f"{str(e['loc'][-1]).replace('_', ' ')}: {e['msg']}" for e in exc.errors()
        )
        message = f"this address or form has a value the platform cannot use ({named})"
        return await run_in_threadpool(_error_page, request, 422, message, None)

    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static"
    )
    app.include_router(views.router)
    app.include_router(admin.router)
    app.include_router(explorer.router)
    app.include_router(api.router)
    return app
