"""Region isolation, route by route: an analyst of region A, a viewer, an admin and an anonymous
visitor cannot reach region B's microdata or unpublished indicators by any URL, API call or
crafted identifier.

The routes are enumerated from the application itself, so a new route is tested as soon as it
exists (and a route with a path parameter the test does not know fails it until it is added).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import (
    Deployment,
    build_deployment,
    login,
    publish,
    upload,
    wave_frame,
    wave_id_of,
)
from sqlalchemy import func, select
from starlette.routing import Route

from migrant_health.platform import create_app
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.models import Account, IndicatorCell, Wave

SECRET_LABEL = "SECRET-B-LABEL"
SECRET_FILE = "secret-b.csv"
SECRET_SECTOR = "secret-sector-b"
# Routes that answer an anonymous visitor (published, suppressed data; the login form; the
# API's documentation). Every other route must refuse one.
PUBLIC = {
    "/",
    "/login",
    "/logout",
    "/indicators",
    "/indicators.csv",
    "/api/me",
    "/api/definitions",
    "/api/waves",
    "/api/waves/{wave_id}",
    "/api/waves/{wave_id}/indicators",
    "/api/indicators",
    "/api/docs",
    "/api/openapi.json",
    "/scenarios",
    "/api/scenarios",
}
REFUSED = {401, 403, 404, 405, 409, 413, 422, 429}


@dataclass
class World:
    deployment: Deployment
    client_app: FastAPI
    own_published: int
    own_unpublished: int
    other_unpublished: int
    bob_id: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    deployment = build_deployment(tmp_path_factory.mktemp("access"))
    app = create_app(deployment.settings)
    with TestClient(app) as ana:
        token = login(ana, "ana")
        published = wave_id_of(
            upload(ana, token, deployment.region_a, wave_frame(2017).to_csv(index=False).encode())
        )
        publish(ana, token, published)
        unpublished = wave_id_of(
            upload(
                ana,
                token,
                deployment.region_a,
                wave_frame(2019, seed=1).to_csv(index=False).encode(),
            )
        )
    with TestClient(app) as bob:
        token = login(bob, "bob")
        secret = wave_frame(2019, seed=2).assign(sector=SECRET_SECTOR)
        other = wave_id_of(
            upload(
                bob,
                token,
                deployment.region_b,
                secret.to_csv(index=False).encode(),
                SECRET_FILE,
                label=SECRET_LABEL,
            )
        )
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        bob_id = session.scalar(select(Account.id).where(Account.username == "bob"))
    engine.dispose()
    yield World(deployment, app, published, unpublished, other, int(bob_id or 0))


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the application serves, static files aside.

    The OpenAPI schema is FastAPI's public list of its routes (with routers' prefixes applied);
    the schema's own and the documentation's routes are plain Starlette routes. A route kept
    out of the schema would escape, so the app may not have one (``include_in_schema=False``
    is not used in the package, which a test below checks).
    """
    found = [
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    ]
    for route in app.routes:
        if isinstance(route, Route):
            found.extend((m, route.path) for m in sorted(route.methods or {"GET"}) if m != "HEAD")
    return found


def _fill(path: str, world: World) -> str:
    """The path with every parameter aimed at region B's unpublished wave or account."""
    values = {"wave_id": world.other_unpublished, "account_id": world.bob_id, "job_id": 1}
    for name in [p.strip("{}") for p in path.split("/") if p.startswith("{")]:
        if name not in values:
            pytest.fail(
                f"route {path}: unknown path parameter '{name}'; say in this test "
                "which identifier of region B it must be tried with"
            )
        path = path.replace("{" + name + "}", str(values[name]))
    return path


def _call(client: TestClient, method: str, path: str, token: str, world: World) -> object:
    headers = {"x-csrf-token": token}
    if method == "GET":
        return client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        return client.request(
            method, path, json={"published": True}, headers=headers, follow_redirects=False
        )
    form = {
        "csrf_token": token,
        "published": "true",
        "region_id": str(world.deployment.region_b),
        "username": "mallory",
        "password": "mallory-passphrase",
        "role": "analyst",
        "region": str(world.deployment.region_b),
        "code": "B2",
        "name": "x",
        "scenario": "baseline",
        "persons": "100",
    }
    files = {"file": ("w.csv", wave_frame(2020, seed=3).to_csv(index=False).encode(), "text/csv")}
    return client.request(
        method,
        path,
        data=form,
        files=files if path == "/upload" else None,
        headers=headers,
        follow_redirects=False,
    )


def _leaks(text: str, audit: bool = False) -> list[str]:
    """Region B's data found in ``text``. The audit log (admins only) names uploads by label
    and file name, by design; it never shows microdata or indicator values."""
    markers = [SECRET_SECTOR, '"region":"B"', "\nB,"]
    if not audit:
        markers += [SECRET_LABEL, SECRET_FILE]
    return [m for m in markers if m in text]


def _state(world: World) -> tuple[bool, int, int]:
    engine = make_engine(world.deployment.settings)
    with session_scope(engine) as session:
        wave = session.get(Wave, world.other_unpublished)
        cells = session.scalar(
            select(func.count())
            .select_from(IndicatorCell)
            .where(IndicatorCell.wave_id == world.other_unpublished)
        )
        waves_b = session.scalar(
            select(func.count())
            .select_from(Wave)
            .where(Wave.region_id == world.deployment.region_b)
        )
    engine.dispose()
    assert wave is not None, "region B's wave was deleted by someone else"
    return wave.published, int(cells or 0), int(waves_b or 0)


@pytest.mark.parametrize("who", ["ana", "vera", "anonymous", "admin"])
def test_no_route_reaches_another_regions_wave(world: World, who: str) -> None:
    before = _state(world)
    with TestClient(world.client_app) as client:
        token = (
            login(client, who) if who != "anonymous" else client.get("/api/me").json()["csrf_token"]
        )
        for method, template in _routes(world.client_app):
            path = _fill(template, world)
            response = _call(client, method, path, token, world)
            status = response.status_code  # type: ignore[attr-defined]
            text = response.text  # type: ignore[attr-defined]
            assert status < 500, f"{who} {method} {path}: server error {status}"
            audit = who == "admin" and path in ("/admin/audit", "/api/audit")
            leaks = _leaks(text, audit)
            assert not leaks, f"{who} {method} {path} shows region B's data: {leaks}"
            if "{wave_id}" in template:
                assert status in REFUSED, f"{who} {method} {path}: answered {status}"
            if who == "anonymous" and template not in PUBLIC:
                refused = status in REFUSED or (
                    status == 303 and response.headers["location"].startswith("/login")
                )  # type: ignore[attr-defined]
                assert refused, f"anonymous {method} {path}: answered {status}"
            if who == "admin" and template == "/logout":
                token = login(client, who)
    assert _state(world) == before, "region B's wave changed"


@pytest.mark.parametrize("crafted", ["0", "-1", "999999", "1.5", "1%20OR%201=1", "%2e%2e", "2e0"])
def test_crafted_identifiers_are_refused(world: World, crafted: str) -> None:
    with TestClient(world.client_app) as client:
        login(client, "ana")
        for template in (
            "/waves/{}",
            "/waves/{}/microdata.csv",
            "/waves/{}/indicators.csv",
            "/api/waves/{}/indicators",
        ):
            path = template.format(crafted)
            response = client.get(path, follow_redirects=False)
            assert response.status_code in REFUSED, f"{path}: {response.status_code}"
            assert not _leaks(response.text)
        # the same wave by its own id, written with leading zeros, is still refused
        path = f"/waves/{world.other_unpublished:05d}/microdata.csv"
        assert client.get(path).status_code == 404


def test_own_region_sees_its_microdata_and_unpublished_cells(world: World) -> None:
    with TestClient(world.client_app) as client:
        login(client, "ana")
        micro = client.get(f"/waves/{world.own_unpublished}/microdata.csv")
        assert micro.status_code == 200 and micro.text.startswith("\ufeffid,")  # BOM: Excel
        cells = client.get(f"/api/waves/{world.own_unpublished}/indicators").json()
        assert cells["suppressed"] is False and cells["cells"]
        shared = client.get("/api/indicators").json()["cells"]
        waves = {c["wave_id"] for c in shared}
        assert world.own_published in waves and world.own_unpublished not in waves


def test_viewer_sees_published_indicators_but_no_microdata(world: World) -> None:
    with TestClient(world.client_app) as client:
        login(client, "vera")
        assert client.get(f"/waves/{world.own_published}/microdata.csv").status_code == 404
        view = client.get(f"/api/waves/{world.own_published}/indicators").json()
        assert view["suppressed"] is True and view["cells"]
        assert client.get(f"/api/waves/{world.own_unpublished}").status_code == 404


def test_the_route_list_is_the_applications(world: World, tmp_path: Path) -> None:
    # A guard of the guard: the enumeration finds the data routes this test exists for.
    paths = {p for _, p in _routes(world.client_app)}
    assert {
        "/waves/{wave_id}/microdata.csv",
        "/api/waves/{wave_id}/indicators",
        "/upload",
        "/admin/accounts",
        "/api/audit",
    } <= paths
    package = Path(__file__).resolve().parents[2] / "src" / "migrant_health" / "platform"
    hidden = [p.name for p in package.glob("*.py") if "include_in_schema=False" in p.read_text()]
    assert not hidden, f"routes kept out of the OpenAPI schema escape this test: {hidden}"
