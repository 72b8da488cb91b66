"""Uploads as they arrive: valid waves in each format are stored with their indicators; a wrong
format, a file larger than the limit, a file that is not what its extension says, a bad column
map and invalid rows are refused with a clear message, and nothing is stored. An upload without
a login or a CSRF token is refused before its body is read, and a chunked body over the limit
is refused while it streams.

The streamed bodies go through httpx's ASGI transport, which hands the application each chunk
when it asks for it (the test client joins a generator body before the application sees it), so
the tests see how much of a body the platform read."""

from __future__ import annotations

import asyncio
import html
import io
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import Deployment, build_deployment, login, upload, wave_csv, wave_frame
from sqlalchemy import func, select

from migrant_health.platform import create_app
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.errors import UploadError
from migrant_health.platform.models import AuditEvent, IndicatorCell, Wave
from migrant_health.platform.uploads import check_wave
from migrant_health.survey import write_survey

LIMIT = 200 * 1024


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return build_deployment(tmp_path_factory.mktemp("uploads"), max_upload_bytes=LIMIT)


@pytest.fixture(scope="module")
def analyst(deployment: Deployment) -> Iterator[tuple[TestClient, str]]:
    app: FastAPI = create_app(deployment.settings)
    with TestClient(app) as client:
        yield client, login(client, "ana")


def _stored(deployment: Deployment) -> tuple[int, int]:
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        waves = session.scalar(select(func.count()).select_from(Wave))
        cells = session.scalar(select(func.count()).select_from(IndicatorCell))
    engine.dispose()
    return int(waves or 0), int(cells or 0)


def _refused(
    deployment: Deployment,
    analyst: tuple[TestClient, str],
    content: bytes,
    filename: str,
    column_map: str = "",
) -> str:
    client, token = analyst
    before = _stored(deployment)
    response = upload(client, token, deployment.region_a, content, filename, column_map=column_map)
    assert response.status_code in (413, 422), response.text[:300]
    assert _stored(deployment) == before, "a refused upload stored something"
    return response.text


def test_invalid_rows_are_listed_by_row_and_column_and_nothing_is_stored(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    frame = wave_frame(2018, n=120, seed=4)
    frame.loc[6, "age"] = 7
    frame.loc[40, "sex"] = "unknown"
    frame.loc[41, "med_insurance"] = "gold plan"
    text = _refused(deployment, analyst, frame.to_csv(index=False).encode(), "bad.csv")
    assert "3 problem(s); nothing was stored" in text
    for row, column, value in (
        (7, "age", "7"),
        (41, "sex", "unknown"),
        (42, "med_insurance", "gold plan"),
    ):
        assert f"<tr><td>{row}</td><td>{column}</td>" in text
        assert f"<td>{value}</td></tr>" in text


def test_a_missing_column_is_a_whole_column_problem(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    content = wave_frame(n=60).drop(columns=["srh"]).to_csv(index=False).encode()
    text = _refused(deployment, analyst, content, "no-srh.csv")
    assert "<tr><td></td><td>srh</td><td>required column is missing" in text


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("wave.xlsx", b"PK\x03\x04 workbook", "unknown survey format"),
        ("wave.csv", b"PK\x03\x04" + b"\x00" * 64, "not a CSV text file (it is a ZIP archive"),
        ("wave.parquet", b"id,age\n1,30\n", "is not a parquet file although its name says so"),
        ("wave.dta", b"%PDF-1.7 not a dataset", "is not a stata file"),
        ("wave.sav", b"\x00\x01\x02 binary", "is not a spss file"),
        ("wave.csv", b"", "is empty"),
    ],
)
def test_files_that_are_not_what_their_extension_says_are_refused(
    deployment: Deployment,
    analyst: tuple[TestClient, str],
    filename: str,
    content: bytes,
    message: str,
) -> None:
    assert message in _refused(deployment, analyst, content, filename)


def test_excels_unicode_text_export_is_text_though_full_of_nul_bytes() -> None:
    """UTF-16 with a byte-order mark, tab-separated (Excel's "Unicode text", saved as .txt):
    its NUL bytes once made the sniffer call it binary data."""
    content = wave_frame(n=60).to_csv(index=False, sep="\t").encode("utf-16")
    assert b"\x00" in content[:64]
    checked = check_wave(io.BytesIO(content), "wave.txt", "", limit=LIMIT)
    assert checked.ok, checked.problems
    assert checked.table is not None and len(checked.table) == 60


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    big = wave_csv(n=1500)
    assert len(big) > LIMIT
    client, token = analyst
    before = _stored(deployment)
    response = upload(client, token, deployment.region_a, big, "big.csv")
    assert response.status_code == 413
    assert "larger than the platform's limit" in html.unescape(response.text)
    assert _stored(deployment) == before


def test_the_streamed_size_is_checked_too() -> None:
    # The body's limit leaves room for the form's other fields; the copy of the file itself into
    # the private folder stops at the limit and leaves nothing behind.
    with pytest.raises(UploadError, match=r"larger than the platform.s limit of 0\.1 MB"):
        check_wave(io.BytesIO(b"x" * 200_000), "big.csv", "", limit=100 * 1024)


def test_a_bad_column_map_is_refused_with_its_reason(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    text = _refused(deployment, analyst, wave_csv(n=60), "w.csv", column_map="rename: [oops")
    assert "column map" in text
    text = _refused(
        deployment, analyst, wave_csv(n=60), "w.csv", column_map="rename:\n  age: no_such_column\n"
    )
    assert "no_such_column" in text
    # Named as the page names it, not by the server's temporary file.
    assert "column map: source column(s) not in the file" in text and "mh-map-" not in text


def test_a_file_mixing_survey_years_is_refused(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    frame = wave_frame(2018, n=80)
    frame.loc[:9, "survey_year"] = 2019
    text = _refused(deployment, analyst, frame.to_csv(index=False).encode(), "mixed.csv")
    assert "holds survey years 2018, 2019" in text


@pytest.mark.parametrize("suffix", [".dta", ".sav", ".parquet"])
def test_stata_spss_and_parquet_waves_are_stored_with_their_instrument(
    deployment: Deployment, analyst: tuple[TestClient, str], tmp_path: Path, suffix: str
) -> None:
    # A wave of its own per format: the same respondents again would be refused as a copy.
    frame = wave_frame(2020, n=150, seed=9 + [".dta", ".sav", ".parquet"].index(suffix))
    frame["depression_score"] = (frame.index % 20).astype(float)
    path = write_survey(frame, tmp_path / f"wave{suffix}")
    client, token = analyst
    column_map = "scales:\n  depression_scale: CES-D 10\n  depression_max: 30\n"
    response = upload(
        client,
        token,
        deployment.region_a,
        path.read_bytes(),
        path.name,
        label=f"wave {suffix}",
        column_map=column_map,
    )
    assert response.status_code == 303, response.text[:2000]
    wave_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/waves/{wave_id}?indicator=depressive_symptoms")
    assert "CES-D 10, screen positive at a score of 10 or more" in page.text
    cells = pd.DataFrame(client.get(f"/api/waves/{wave_id}/indicators").json()["cells"])
    overall = cells[(cells.indicator == "depressive_symptoms") & (cells.subgroup == "all")]
    expected = (frame["depression_score"] >= 10).mul(frame["weight"]).sum() / frame["weight"].sum()
    assert overall["estimate"].iloc[0] == pytest.approx(expected)


def test_refusals_and_uploads_are_audited(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    _refused(deployment, analyst, b"PK\x03\x04", "sheet.csv")
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.username == "ana"))
        )
    engine.dispose()
    assert "upload_refused" in actions


def test_an_upload_to_a_region_not_one_s_own_is_refused(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    client, token = analyst
    before = _stored(deployment)
    response = upload(client, token, deployment.region_b, wave_csv(n=60), "w.csv")
    assert response.status_code == 404
    assert _stored(deployment) == before


def test_a_zip_archive_named_csv_is_caught_by_its_content(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("wave.csv", "id,age\n1,30\n")
    with pytest.raises(UploadError, match="ZIP archive"):
        check_wave(io.BytesIO(archive.getvalue()), "wave.csv", "", limit=LIMIT)


BOUNDARY = "mh-test-boundary"
CHUNK = 16 * 1024


def _chunked_wave(region_id: int, size: int, pulled: list[int]) -> AsyncIterator[bytes]:
    """A multipart upload of a ``size``-byte file sent in chunks, without a Content-Length;
    each chunk's length goes to ``pulled`` when the application asks for it."""

    async def body() -> AsyncIterator[bytes]:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="region_id"\r\n\r\n'
            f"{region_id}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            'name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nid,age\r\n'
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        for piece in [head, *[b"1,30\r\n" * (CHUNK // 6)] * (size // CHUNK), tail]:
            pulled.append(len(piece))
            yield piece

    return body()


def _post_streamed(
    client: TestClient, body: AsyncIterator[bytes], headers: dict[str, str]
) -> httpx.Response:
    """POST ``body`` to /upload with ``client``'s cookies, chunk by chunk as the app reads."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=client.cookies
        ) as streamed:
            return await streamed.post(
                "/upload",
                content=body,
                headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
            )

    return asyncio.run(send())


def test_a_chunked_upload_over_the_limit_is_refused_while_it_streams(
    deployment: Deployment, analyst: tuple[TestClient, str]
) -> None:
    client, token = analyst
    before = _stored(deployment)
    pulled: list[int] = []
    body = _chunked_wave(deployment.region_a, 20 * LIMIT, pulled)
    response = _post_streamed(client, body, {"x-csrf-token": token})
    assert response.status_code == 413
    assert "larger than the platform's limit of 0.2 MB" in html.unescape(response.text)
    # It stopped reading within a chunk of the limit (and the room for the form's other
    # fields), not at the end of the 4 MB body.
    assert LIMIT < sum(pulled) <= LIMIT + 64 * 1024 + CHUNK
    assert _stored(deployment) == before
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        refusal = session.scalar(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "upload_refused")
            .order_by(AuditEvent.id.desc())
        )
    engine.dispose()
    assert refusal is not None and "larger than the platform's limit" in refusal


@pytest.mark.parametrize("who", ["anonymous", "anonymous with a token", "analyst without token"])
def test_an_upload_without_login_or_token_is_refused_before_its_body_is_read(
    deployment: Deployment, analyst: tuple[TestClient, str], who: str
) -> None:
    pulled: list[int] = []
    body = _chunked_wave(deployment.region_a, 4 * CHUNK, pulled)
    if who == "analyst without token":
        response = _post_streamed(analyst[0], body, {})
        expected = 403
    else:
        with TestClient(analyst[0].app) as anonymous:
            token = anonymous.get("/api/me").json()["csrf_token"]
            headers = {"x-csrf-token": token} if who == "anonymous with a token" else {}
            response = _post_streamed(anonymous, body, headers)
        expected = 401 if headers else 403
    assert response.status_code == expected
    assert pulled == [], f"{len(pulled)} chunks of the body were read before the refusal"
