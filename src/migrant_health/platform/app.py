"""The ASGI application: middleware, error pages and the routers of pages and API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from migrant_health.platform import admin, api, explorer, views
from migrant_health.platform.cache import SharedCache
from migrant_health.platform.database import make_engine
from migrant_health.platform.deps import TEMPLATES
from migrant_health.platform.job_runner import JobRunner
from migrant_health.platform.login_limit import LoginLimiter
from migrant_health.platform.login_sessions import SESSION_HOURS
from migrant_health.platform.settings import Settings


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
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
        docs_url="/api/docs",
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

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"error": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return TEMPLATES.TemplateResponse(
            request,
            "error.html",
            {"account": None, "status": exc.status_code, "message": exc.detail, "csrf": ""},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return JSONResponse({"error": f"bad request: {problems}"}, status_code=422)

    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static"
    )
    app.include_router(views.router)
    app.include_router(admin.router)
    app.include_router(explorer.router)
    app.include_router(api.router)
    return app
