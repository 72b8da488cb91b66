"""Accounts, sessions and CSRF: argon2 hashes, cookie flags, tokens on every state-changing
route, the login rate limit, the audit log, deactivation, and ``serve --init``'s rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import PASSWORDS, Deployment, build_deployment, csrf_of, login
from sqlalchemy import func, select
from typer.testing import CliRunner

from migrant_health.cli.main import app as cli
from migrant_health.platform import Settings, create_app, init_platform
from migrant_health.platform.admin import create_account
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.errors import PlatformError
from migrant_health.platform.models import Account, AuditEvent, LoginSession, Region

HTML = {"accept": "text/html"}  # a browser's page request: refusals redirect to the login


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return build_deployment(tmp_path_factory.mktemp("sessions"), login_attempts=3)


@pytest.fixture(scope="module")
def app(deployment: Deployment) -> FastAPI:
    return create_app(deployment.settings)


def _count(deployment: Deployment, model: type, *where: object) -> int:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        found = session.scalar(select(func.count()).select_from(model).where(*where))
    engine.dispose()
    return int(found or 0)


def _unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method.upper() not in ("GET", "HEAD")
    ]


def test_passwords_are_stored_as_argon2id_hashes(deployment: Deployment) -> None:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        hashes = session.scalars(select(Account.password_hash)).all()
    engine.dispose()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(p in h for h in hashes for p in PASSWORDS.values())


def test_every_state_changing_route_refuses_a_request_without_the_csrf_token(
    app: FastAPI, deployment: Deployment
) -> None:
    regions_before = _count(deployment, Region)
    with TestClient(app) as client:
        login(client, "admin")
        routes = _unsafe_routes(app)
        assert ("POST", "/admin/regions") in routes and ("DELETE", "/api/waves/{wave_id}") in routes
        for method, path in routes:
            filled = path.replace("{wave_id}", "1").replace("{account_id}", "2")
            for headers in ({}, {"x-csrf-token": "forged-token"}):
                response = client.request(
                    method,
                    filled,
                    data={"code": "Z", "name": "Z"},
                    headers=headers,
                    follow_redirects=False,
                )
                assert response.status_code == 403, (
                    f"{method} {path} {headers}: {response.status_code}"
                )
                assert "security token" in response.text
    assert _count(deployment, Region) == regions_before


def test_a_token_of_another_session_is_refused(app: FastAPI, deployment: Deployment) -> None:
    with TestClient(app) as first, TestClient(app) as second:
        token_first = login(first, "admin")
        login(second, "admin")
        response = second.post(
            "/admin/regions",
            data={"code": "Z", "name": "Z", "csrf_token": token_first},
            follow_redirects=False,
        )
        assert response.status_code == 403
        response = first.post(
            "/admin/regions",
            data={"code": "Z", "name": "Zed", "csrf_token": token_first},
            follow_redirects=False,
        )
        assert response.status_code == 303
    assert _count(deployment, Region, Region.code == "Z") == 1


def test_login_with_a_forged_token_is_refused(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.post(
            "/login",
            data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": "x"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert client.get("/api/me").json()["account"] is None


def test_session_cookie_is_httponly_and_samesite_strict(
    app: FastAPI, deployment: Deployment
) -> None:
    with TestClient(app) as client:
        cookie = client.get("/login").headers.get("set-cookie", "")
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert "secure" not in cookie.lower().replace("samesite", "")
    secure = Settings.from_data_dir(deployment.settings.data_dir, secure_cookies=True)
    with TestClient(create_app(secure), base_url="https://testserver") as client:
        cookie = client.get("/login").headers.get("set-cookie", "")
        assert "; secure" in cookie.lower()


def test_login_is_rate_limited_and_failures_are_logged(
    app: FastAPI, deployment: Deployment
) -> None:
    with TestClient(app) as client:
        for _ in range(3):
            token = csrf_of(client)
            response = client.post(
                "/login", data={"username": "vera", "password": "wrong-one!", "csrf_token": token}
            )
            assert response.status_code == 401 and "Wrong account name or password" in response.text
        token = csrf_of(client)
        # Even the right password waits once the limit is reached.
        response = client.post(
            "/login", data={"username": "vera", "password": PASSWORDS["vera"], "csrf_token": token}
        )
        assert response.status_code == 429 and "Too many failed logins" in response.text
    assert (
        _count(
            deployment,
            AuditEvent,
            AuditEvent.action == "login_failed",
            AuditEvent.username == "vera",
        )
        == 4
    )


def test_logout_ends_the_session_and_logins_are_audited(
    app: FastAPI, deployment: Deployment
) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        assert client.get("/upload").status_code == 200
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert client.get("/upload", headers=HTML, follow_redirects=False).status_code == 303
        assert client.get("/api/me").json()["account"] is None
    assert (
        _count(deployment, AuditEvent, AuditEvent.action == "login", AuditEvent.username == "ana")
        >= 1
    )
    assert _count(deployment, AuditEvent, AuditEvent.action == "logout") >= 1


def test_a_deactivated_account_loses_its_session(app: FastAPI) -> None:
    with TestClient(app) as admin, TestClient(app) as bob:
        login(bob, "bob")
        assert bob.get("/upload").status_code == 200
        token = login(admin, "admin")
        engine = make_engine(app.state.settings)
        with session_scope(engine) as session:
            target = session.scalar(select(Account.id).where(Account.username == "bob"))
        engine.dispose()
        response = admin.post(
            f"/admin/accounts/{target}/deactivate",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert bob.get("/upload", headers=HTML, follow_redirects=False).status_code == 303
        assert bob.get("/api/me").json()["account"] is None


def test_only_admins_manage_accounts_and_read_the_audit_log(app: FastAPI) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        assert client.get("/admin").status_code == 403
        assert client.get("/api/audit").status_code == 403
        response = client.post(
            "/admin/accounts",
            data={"username": "eve", "password": "x" * 12, "role": "admin", "csrf_token": token},
        )
        assert response.status_code == 403
    with TestClient(app) as client:
        login(client, "admin")
        events = client.get("/api/audit").json()
        assert {"login", "account"} & {e["action"] for e in events}


def test_new_accounts_need_a_strong_password_and_analysts_a_region(app: FastAPI) -> None:
    with TestClient(app) as client:
        token = login(client, "admin")
        weak = client.post(
            "/admin/accounts",
            data={"username": "weak", "password": "short", "role": "viewer", "csrf_token": token},
        )
        assert weak.status_code == 422 and "at least 10" in weak.text
        lonely = client.post(
            "/admin/accounts",
            data={
                "username": "lonely",
                "password": "long-enough-pass",
                "role": "analyst",
                "csrf_token": token,
            },
        )
        assert lonely.status_code == 422 and "at least one region" in lonely.text


def test_init_never_uses_a_default_password(tmp_path: Path) -> None:
    settings = Settings.from_data_dir(tmp_path / "fresh")
    with pytest.raises(PlatformError, match="at least 10"):
        init_platform(settings, "")
    init_platform(settings, "a-long-passphrase")
    with pytest.raises(PlatformError, match="already has an admin"):
        init_platform(settings, "another-passphrase")


def test_a_refused_init_closes_its_database_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second --init is refused, and the pool it opened is closed on the way out (left open,
    a PostgreSQL connection is finalised later, with a ResourceWarning in unrelated code)."""
    from sqlalchemy import Engine

    from migrant_health.platform import database

    settings = Settings.from_data_dir(tmp_path / "twice")
    init_platform(settings, "a-long-passphrase")
    engines = []

    def recorded(settings: Settings) -> Engine:
        engine = make_engine(settings)
        engines.append(engine)
        return engine

    make_engine = database.make_engine
    monkeypatch.setattr(database, "make_engine", recorded)
    with pytest.raises(PlatformError, match="already has an admin"):
        init_platform(settings, "another-passphrase")
    assert len(engines) == 1
    assert engines[0].pool.checkedout() == 0
    assert engines[0].pool.checkedin() == 0  # disposed: no connection kept in the pool


def test_cli_init_without_a_password_exits_2_and_serve_needs_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIGRANT_HEALTH_ADMIN_PASSWORD", raising=False)
    folder = str(tmp_path / "d")
    init = CliRunner().invoke(cli, ["serve", "--data-dir", folder, "--init"])
    assert init.exit_code == 2 and "MIGRANT_HEALTH_ADMIN_PASSWORD" in init.output
    serve = CliRunner().invoke(cli, ["serve", "--data-dir", folder])
    assert serve.exit_code == 2 and "serve --init" in serve.output
    assert not (tmp_path / "d" / "platform.sqlite").exists()
    monkeypatch.setenv("MIGRANT_HEALTH_ADMIN_PASSWORD", "a-long-passphrase")
    created = CliRunner().invoke(cli, ["serve", "--data-dir", folder, "--init"])
    assert created.exit_code == 0 and (tmp_path / "d" / "platform.sqlite").exists()


@pytest.mark.parametrize("url", ["bogus://x", "postgresql+nodriver://u:p@h/db"])
def test_a_database_url_of_no_known_dialect_or_driver_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """It gave SQLAlchemy's NoSuchModuleError with a traceback (a review of 2026-12-05)."""
    monkeypatch.setenv("MIGRANT_HEALTH_ADMIN_PASSWORD", "a-long-passphrase")
    folder = str(tmp_path / "d")
    for extra in (["--init"], []):
        result = CliRunner().invoke(cli, ["serve", "--data-dir", folder, "--db", url, *extra])
        assert result.exit_code == 2, result.output
        assert "cannot use the database URL" in result.output
        assert "Traceback" not in result.output


def test_login_never_redirects_to_another_site() -> None:
    from migrant_health.platform.views import _safe_next

    assert _safe_next("/indicators?region=1") == "/indicators?region=1"
    # Browsers read "/\host" as "//host": both lead off the site.
    for target in ("//evil.example", "/\\evil.example", "https://evil.example", "", None):
        assert _safe_next(target) == "/"


def test_serve_without_the_platform_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def without_uvicorn(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvicorn":
            raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvicorn)
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert 'pip install -e ".[platform]"' in result.output
    assert "Traceback" not in result.output


def test_a_copied_session_cookie_is_refused_after_logout(app: FastAPI) -> None:
    with TestClient(app) as ana, TestClient(app) as thief:
        token = login(ana, "ana")
        thief.cookies.set("mh_session", ana.cookies["mh_session"])
        assert thief.get("/api/me").json()["account"] == "ana"  # the cookie is the credential
        ana.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        page = thief.get("/upload", headers=HTML, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert thief.get("/api/jobs").status_code == 401
        assert thief.get("/api/me").json()["account"] is None


def test_logging_in_again_ends_the_earlier_login_of_the_browser(app: FastAPI) -> None:
    with TestClient(app) as ana, TestClient(app) as thief:
        login(ana, "ana")
        thief.cookies.set("mh_session", ana.cookies["mh_session"])
        assert thief.get("/api/me").json()["account"] == "ana"
        login(ana, "ana")  # the same browser logs in again
        assert ana.get("/api/me").json()["account"] == "ana"
        assert thief.get("/api/me").json()["account"] is None


def test_setting_a_password_ends_the_account_s_sessions(
    app: FastAPI, deployment: Deployment
) -> None:
    old, new = "carol-first-passphrase", "carol-second-passphrase"
    with TestClient(app) as admin, TestClient(app) as carol:
        token = login(admin, "admin")
        created = admin.post(
            "/admin/accounts",
            data={"username": "carol", "password": old, "role": "viewer", "csrf_token": token},
            follow_redirects=False,
        )
        assert created.status_code == 303
        login(carol, "carol", old)
        carol_id = _account_id(deployment, "carol")
        weak = admin.post(
            f"/admin/accounts/{carol_id}/password", data={"password": "short", "csrf_token": token}
        )
        assert weak.status_code == 422 and "at least 10" in weak.text
        assert carol.get("/api/me").json()["account"] == "carol"  # a refused change ends nothing
        response = admin.post(
            f"/admin/accounts/{carol_id}/password",
            data={"password": new, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert carol.get("/api/me").json()["account"] is None
        assert admin.get("/api/me").json()["account"] == "admin"  # the admin's own session stays
        csrf = csrf_of(carol)
        refused = carol.post(
            "/login", data={"username": "carol", "password": old, "csrf_token": csrf}
        )
        assert refused.status_code == 401
        login(carol, "carol", new)
    assert (
        _count(
            deployment,
            AuditEvent,
            AuditEvent.action == "account",
            AuditEvent.detail.contains("set the password of carol"),
        )
        == 1
    )


def _account_id(deployment: Deployment, username: str) -> int:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        found = session.scalar(select(Account.id).where(Account.username == username))
    engine.dispose()
    assert found is not None
    return int(found)


def test_two_servers_on_one_database_share_the_login_limit(deployment: Deployment) -> None:
    # Two app instances stand for two server processes behind one proxy: each has its own
    # memory, and the database is all they share.
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        create_account(session, "dora", "dora-passphrase-1", "viewer", [])
    engine.dispose()
    first, second = create_app(deployment.settings), create_app(deployment.settings)
    with TestClient(first) as one, TestClient(second) as two:
        for _ in range(3):  # the deployment allows 3 failed logins
            token = csrf_of(one)
            response = one.post(
                "/login", data={"username": "dora", "password": "wrong-pass!", "csrf_token": token}
            )
            assert response.status_code == 401
        token = csrf_of(two)
        response = two.post(
            "/login",
            data={"username": "dora", "password": "dora-passphrase-1", "csrf_token": token},
        )
        assert response.status_code == 429 and "Too many failed logins" in response.text
        assert two.get("/api/me").json()["account"] is None


def _rows_when_answered(app: FastAPI, deployment: Deployment, model: type, seen: list[int]) -> Any:
    """``app`` wrapped so that, as each response starts, the rows of ``model`` are counted
    from another connection: what a client acting on the response at once would find."""

    async def probe(scope: Any, receive: Any, send: Any) -> None:
        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.append(_count(deployment, model))
            await send(message)

        await app(scope, receive, counting_send)

    return probe


def test_a_request_s_changes_are_committed_before_its_answer_is_sent(
    app: FastAPI, deployment: Deployment
) -> None:
    # A browser follows a login's redirect at once: the new login must be there to be found.
    seen: list[int] = []
    with TestClient(_rows_when_answered(app, deployment, LoginSession, seen)) as client:
        token = csrf_of(client)
        before = seen[-1]
        response = client.post(
            "/login",
            data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert seen[-1] == before + 1, "the login was committed only after its answer was sent"


def test_a_port_in_use_is_named_before_the_server_says_it_is_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn found it taken after the "serving" line and exited with status 3."""
    import socket

    monkeypatch.setenv("MIGRANT_HEALTH_ADMIN_PASSWORD", "a-long-passphrase")
    folder = str(tmp_path / "d")
    assert CliRunner().invoke(cli, ["serve", "--data-dir", folder, "--init"]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--data-dir", folder, "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "serving http" not in result.output


def test_a_login_of_ana_does_not_clear_the_attempts_counted_for_ana_capitalised(
    tmp_path: Path,
) -> None:
    # Account names are matched as typed, and so are the attempts counted: the holder of 'ana'
    # logging in between guesses at 'Ana' does not reset their count. (A new name differing
    # only in case from an account is refused, but a database from before may hold both.)
    deployment = build_deployment(tmp_path, login_attempts=3)

    def attempt(client: TestClient, username: str, password: str) -> int:
        data = {"username": username, "password": password, "csrf_token": csrf_of(client)}
        return client.post("/login", data=data, follow_redirects=False).status_code

    with TestClient(create_app(deployment.settings)) as client:
        assert [attempt(client, "Ana", f"guess-{i}") for i in range(2)] == [401, 401]
        assert attempt(client, "ana", PASSWORDS["ana"]) == 303
        assert attempt(client, "Ana", "guess-2") == 401
        assert attempt(client, "Ana", "guess-3") == 429
        assert attempt(client, "Ana", "guess-4") == 429
