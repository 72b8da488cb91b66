"""What the shared views count: a deleted wave never comes back in place of a new one,
implausible weights are refused, the same respondents are not counted twice, two uploads at the
same moment give one wave and one refusal, and over-long or out-of-range values are refused
rather than answered with an error."""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import (
    PASSWORDS,
    Deployment,
    build_deployment,
    live_server,
    login,
    publish,
    upload,
    wave_csv,
    wave_frame,
    wave_id_of,
)
from sqlalchemy import select

from migrant_health.platform import create_app
from migrant_health.platform.cache import published_key
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.models import AuditEvent, Region, Wave


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return build_deployment(tmp_path)


@pytest.fixture
def app(deployment: Deployment) -> FastAPI:
    return create_app(deployment.settings)


@pytest.fixture
def ana(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as client:
        yield client, login(client, "ana")


def _shared_all(client: TestClient, year: int) -> pd.DataFrame:
    """The published integration index of every wave and the nation in ``year``."""
    query = f"/api/indicators?indicator=integration&subgroup=all&year={year}"
    return pd.DataFrame(client.get(query).json()["cells"])


def _own_all(client: TestClient, wave: int) -> dict[str, object]:
    cells = client.get(f"/api/waves/{wave}/indicators").json()["cells"]
    return next(c for c in cells if c["indicator"] == "integration" and c["subgroup"] == "all")


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text[:300]
    return html.unescape(response.text)


def test_after_a_deletion_the_shared_views_show_the_new_wave(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    first = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2017, 300, 1)))
    publish(client, token, first)
    assert set(_shared_all(client, 2017)["wave_id"]) == {0, first}  # viewed: now cached
    delete = client.delete(f"/api/waves/{first}", headers={"x-csrf-token": token})
    assert delete.status_code == 200
    assert _shared_all(client, 2017).empty
    second = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2019, 300, 2)))
    publish(client, token, second)
    assert _shared_all(client, 2017).empty, "the deleted wave is still shared"
    shown = _shared_all(client, 2019).set_index("wave_id")
    own = _own_all(client, second)
    assert shown.loc[second, "n"] == own["n"]
    assert shown.loc[second, "estimate"] == pytest.approx(own["estimate"])
    assert second != first, "a deleted wave's id was given to a new one"
    # The page's chart and table are drawn from the same, fresh table.
    page = client.get("/indicators?region=A").text
    assert "2019" in page


def _weighted(weights: np.ndarray, seed: int = 3) -> bytes:
    frame = wave_frame(2019, len(weights), seed).assign(weight=weights)
    return frame.to_csv(index=False).encode()


def test_implausible_weights_are_refused_with_their_rows(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    weights = np.ones(300)
    weights[4] = 1e12
    text = _refusal(upload(client, token, deployment.region_a, _weighted(weights)))
    assert "1 problem(s)" in text and "1e+12" in text
    assert "times the wave&#39;s median weight" in text or "times the wave's median weight" in text
    text = _refusal(upload(client, token, deployment.region_a, _weighted(np.zeros(300))))
    assert "every weight is 0" in text and "leave the weight column out" in text
    weights = np.ones(300)
    weights[[7, 8]] = 0.0
    text = _refusal(upload(client, token, deployment.region_a, _weighted(weights)))
    assert "2 problem(s)" in text and "weight 0" in text
    weights = np.ones(300)
    weights[0] = 101.0  # just over 100 times the median
    _refusal(upload(client, token, deployment.region_a, _weighted(weights)))
    refused = _audit(deployment, "upload_refused")
    assert len(refused) == 4


def test_weights_of_a_real_design_varying_one_to_fifty_are_accepted(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    # Disproportionate sampling: a tenth of the respondents come from a stratum sampled at a
    # fiftieth of the others' rate, and non-response adjustment spreads the weights a little.
    rng = np.random.default_rng(4)
    weights = np.where(np.arange(300) % 10 == 0, 50.0, 1.0) * rng.uniform(0.8, 1.2, 300)
    response = upload(client, token, deployment.region_a, _weighted(weights))
    assert response.status_code == 303, response.text[:500]


def _audit(deployment: Deployment, action: str) -> list[str]:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        found = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)))
    engine.dispose()
    return found


def test_the_same_respondents_are_not_stored_twice(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    frame = wave_frame(2019, 300, 5)
    first = wave_id_of(
        upload(client, token, deployment.region_a, frame.to_csv(index=False).encode())
    )
    again = upload(
        client,
        token,
        deployment.region_a,
        frame.to_csv(index=False).encode(),
        filename="copy.csv",
        label="same file again",
    )
    text = _refusal(again)
    assert f"the same respondents as wave {first} (A 2019 'A 2019')" in text
    assert f"delete wave {first} first" in text
    # Rows in another order, columns in another order, as Parquet: the same respondents.
    shuffled = frame.sample(frac=1.0, random_state=1)[list(reversed(frame.columns))]
    buffer = io.BytesIO()
    shuffled.to_parquet(buffer, index=False)
    parquet = upload(
        client, token, deployment.region_a, buffer.getvalue(), "again.parquet", label="other"
    )
    assert f"as wave {first}" in _refusal(parquet)
    assert any("same respondents" in d for d in _audit(deployment, "upload_refused"))


def test_one_wave_of_a_region_and_year_is_published_at_a_time(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    first = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2019, 300, 6)))
    corrected = wave_id_of(
        upload(client, token, deployment.region_a, wave_csv(2019, 200, 7), label="corrected")
    )
    assert publish(client, token, first).status_code == 200
    refused = publish(client, token, corrected)
    assert refused.status_code == 409
    assert f"wave {first} (A 2019 'A 2019') is published already" in refused.json()["error"]
    assert f"Withdraw wave {first} first" in refused.json()["error"]
    # The page's form says the same.
    page = client.post(
        f"/waves/{corrected}/publish",
        data={"published": "true", "csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 409 and "is published already" in html.unescape(page.text)
    nation = _shared_all(client, 2019).set_index("region").loc["national"]
    assert nation["n"] == 300, "the region's year is counted once"
    withdraw = client.post(
        f"/api/waves/{first}/publish", json={"published": False}, headers={"x-csrf-token": token}
    )
    assert withdraw.status_code == 200
    assert publish(client, token, corrected).status_code == 200
    assert _shared_all(client, 2019).set_index("region").loc["national", "n"] == 200


def test_two_identical_uploads_at_the_same_moment_give_one_wave_and_one_refusal(
    deployment: Deployment, app: FastAPI
) -> None:
    content = wave_csv(2019, 300, 8)
    answers: list[httpx.Response] = []
    with live_server(app) as base, httpx.Client(base_url=base) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": token}
        )
        token = client.get("/api/me").json()["csrf_token"]
        start = threading.Barrier(2)

        def send() -> None:
            start.wait()
            answers.append(
                client.post(
                    "/upload",
                    params={"csrf_token": token},
                    data={"region_id": str(deployment.region_a), "label": "double click"},
                    files={"file": ("wave.csv", content, "text/csv")},
                    headers={"accept": "text/html"},
                )
            )

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(a.status_code for a in answers) == [303, 422], [a.text[:200] for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert "already has a 2019 wave labelled 'double click'" in html.unescape(refused.text)
    assert len(_audit(deployment, "upload")) == 1
    assert any("double click" in d for d in _audit(deployment, "upload_refused"))


def test_an_over_long_label_is_refused_with_its_length(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    client, token = ana
    response = upload(client, token, deployment.region_a, wave_csv(2019, 300, 9), label="x" * 201)
    assert "the label is 201 characters long; give one of at most 200" in _refusal(response)
    fine = upload(client, token, deployment.region_a, wave_csv(2019, 300, 9), label="x" * 200)
    assert fine.status_code == 303


def test_an_over_long_region_name_is_cut_to_its_column(deployment: Deployment) -> None:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        session.add(Region(code="LONG", name="n" * 500))
    with session_scope(engine) as session:
        region = session.scalar(select(Region).where(Region.code == "LONG"))
        assert region is not None and len(region.name) == 200
    engine.dispose()


BEYOND = ["99999999999999999999", str(2**63), str(-(2**63) - 1)]


@pytest.mark.parametrize("number", BEYOND)
def test_an_id_beyond_64_bits_is_not_found(
    deployment: Deployment, app: FastAPI, number: str
) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        for path in (
            "/waves/{}",
            "/waves/{}/indicators.csv",
            "/waves/{}/microdata.csv",
            "/api/waves/{}",
            "/api/waves/{}/indicators",
            "/api/jobs/{}",
        ):
            assert client.get(path.format(number)).status_code == 404, path
        publish_it = client.post(
            f"/api/waves/{number}/publish",
            json={"published": True},
            headers={"x-csrf-token": token},
        )
        assert publish_it.status_code == 404
        gone = client.delete(f"/api/waves/{number}", headers={"x-csrf-token": token})
        assert gone.status_code == 404
        admin_token = login(client, "admin")
        deactivate = client.post(
            f"/admin/accounts/{number}/deactivate", data={"csrf_token": admin_token}
        )
        assert deactivate.status_code == 404


def test_the_cache_key_tells_apart_two_waves_that_had_one_id(
    deployment: Deployment, ana: tuple[TestClient, str]
) -> None:
    # Ids are not reused, but a database restored from an older copy could hand one out again:
    # the shared table's cache key names each wave by its id and its upload time too.
    client, token = ana
    wave = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2019, 300, 10)))
    publish(client, token, wave)
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        before = published_key(session)
        stored = session.get(Wave, wave)
        assert stored is not None
        stored.uploaded_at = stored.uploaded_at + timedelta(seconds=1)
    with session_scope(engine) as session:
        after = published_key(session)
    engine.dispose()
    assert [k[0] for k in before] == [k[0] for k in after] == [wave]
    assert before != after
