"""``migrant-health serve``: the information platform (a web application, docs/platform.md)."""

from __future__ import annotations

import getpass
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from migrant_health.atomic import not_recorded
from migrant_health.cli.errors import friendly_errors, stderr
from migrant_health.setting_names import from_the_command_line

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Seconds uvicorn waits for requests in progress when stopped (then the jobs are stopped).
GRACEFUL_SECONDS = 5


def _admin_password() -> str:
    """The first admin's password: the environment variable, else a prompt (never a default)."""
    from migrant_health.platform.errors import PlatformError
    from migrant_health.platform.settings import ADMIN_PASSWORD_ENV

    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password:
        return password
    if not os.isatty(0):
        raise PlatformError(
            f"--init needs the first admin's password: set {ADMIN_PASSWORD_ENV} or run it in a "
            "terminal to be asked for it"
        )
    first = getpass.getpass("Password of the first admin account: ")
    if first != getpass.getpass("Repeat it: "):
        raise PlatformError("the two passwords differ; run --init again")
    return first


@friendly_errors
def serve_command(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: a SQLite file in the data directory; "
            "postgresql+psycopg://user:password@host/name for a shared deployment).",
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on (1-65535).")
    ] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder of the embedded database and session key "
            "(default: $MIGRANT_HEALTH_DATA_DIR, else ./migrant-health-platform).",
        ),
    ] = None,
    init: Annotated[
        bool,
        typer.Option(
            "--init",
            help="Create the database and the first admin account (its "
            "password from $MIGRANT_HEALTH_ADMIN_PASSWORD or a prompt), then exit.",
        ),
    ] = False,
    admin: Annotated[str, typer.Option("--admin", help="Name of the first admin account.")] = (
        "admin"
    ),
    threshold: Annotated[
        int,
        typer.Option(
            "--threshold",
            min=1,
            help="Respondents below which a cell is suppressed in shared views and downloads.",
        ),
    ] = 30,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", min=0.01, help="Largest survey file accepted.")
    ] = 50.0,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Send the session cookie "
            "over HTTPS only (default: on unless --host is a loopback address).",
        ),
    ] = None,
) -> None:
    """Serve the information platform: survey waves by region, indicators, scenarios.

    First run ``migrant-health serve --init`` (creates the database and the admin account),
    then ``migrant-health serve`` and open http://127.0.0.1:8000. Stop it with Ctrl-C.
    """
    from migrant_health.platform.errors import PlatformError

    try:
        import uvicorn

        from migrant_health.platform import Settings, create_app, init_platform
        from migrant_health.platform.database import make_engine, migrate
    except ImportError as exc:  # the platform is an extra: `pip install -e .` leaves it out
        raise PlatformError(
            f"the platform needs its extra ({exc.name} is not installed): "
            'pip install -e ".[platform]"'
        ) from None

    settings = Settings.from_data_dir(
        data_dir,
        db,
        threshold=threshold,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        secure_cookies=host not in LOOPBACK if secure_cookies is None else secure_cookies,
    )
    if init:
        init_platform(settings, _admin_password(), admin)
        stderr.print(
            f"created the platform in {settings.data_dir} with admin account '{admin}'; "
            "start it with `migrant-health serve`",
            highlight=False,
        )
        return
    if settings.embedded and not (settings.data_dir / "platform.sqlite").exists():
        raise PlatformError(
            f"no platform in {settings.data_dir}; create it first with "
            "`migrant-health serve --init` (same --data-dir)"
        )
    engine = make_engine(settings)
    try:
        migrate(engine)  # a newer package may bring a new revision of the schema
    except Exception as exc:
        raise PlatformError(f"cannot open the database {settings.shown_db_url}: {exc}") from exc
    finally:
        engine.dispose()
    _check_port_free(host, port)
    stderr.print(
        f"serving http://{host}:{port} (data in {settings.data_dir}); Ctrl-C stops", highlight=False
    )
    if settings.secure_cookies:
        stderr.print(cookie_note(host, port), highlight=False)
    # A server's files (its session secret, the comparisons its jobs write) are not this
    # command's outputs, for the line a Ctrl-C prints (cli/errors.py).
    # The web pages are no command line: messages shared with the Python API read as Python
    # there, whether the server was started by this command or by an ASGI server.
    with not_recorded(), from_the_command_line(False):
        app = create_app(settings)
        # uvicorn handles SIGTERM itself (a graceful shutdown, then the signal raised again to
        # end the process with it): the command's SIGTERM handler, under it, turned that last
        # signal into an interrupt that uvicorn swallows, and the server exited 0, not 143.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            # Ctrl-C: uvicorn stops taking requests, and the app's shutdown stops its comparison
            # jobs (marked interrupted) before this returns.
            uvicorn.run(
                app,
                host=host,
                port=port,
                log_level="warning",
                proxy_headers=True,
                forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
            )
        finally:
            # A second Ctrl-C makes uvicorn skip the app's shutdown: the jobs' rows must still not
            # stay "running", but nothing is waited for. Marking them may open a connection
            # after the shutdown closed the pool: closed again here, whatever the mark did.
            try:
                app.state.jobs.stop(grace=0.0)
            finally:
                app.state.engine.dispose()


def cookie_note(host: str, port: int) -> str:
    """What a server with Secure cookies says at its start: logging in needs HTTPS."""
    return (
        "session cookies are Secure: browsers send them back over HTTPS only, so log in "
        "through a reverse proxy that terminates TLS (docs/platform.md); logging in at "
        f'http://{host}:{port} directly fails ("security token ... stale") unless, on a '
        "trusted network only, the server is started with --no-secure-cookies"
    )


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on, before saying the server is up.

    uvicorn found it taken only after the "serving" line, and exited with status 3.

    Raises:
        PlatformError: naming the address and what to do.
    """
    import socket

    from migrant_health.platform.errors import PlatformError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise PlatformError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port in TIME_WAIT after an earlier server is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise PlatformError(
                f"cannot listen on {host}:{port}: {exc.strerror}; stop what uses it or choose "
                "another --port"
            ) from None
