"""An upload's request body: who sends it is checked before it is read, its size as it streams.

A survey file may be large, and a multipart body arrives as a stream, perhaps chunked (without
a Content-Length). A route that declares form parameters has FastAPI read and spool the whole
body before any dependency runs, whoever sent it. So the upload route declares none and
:func:`read_upload` reads the body itself, after, in this order:

1. the CSRF token, from the ``X-CSRF-Token`` header or the ``csrf_token`` query parameter (the
   upload form puts it in its action URL): a form field would be inside the body;
2. the account, from the session cookie: a regional analyst;
3. a declared Content-Length over the limit: refused without reading a byte;
4. the body, parsed as it streams, and stopped as soon as more than the limit (with room for
   the form's other fields) has arrived.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from migrant_health.platform.deps import (
    CSRF_FIELD,
    CSRF_HEADER,
    CSRF_REFUSED,
    require_analyst,
    settings_of,
)
from migrant_health.platform.models import Account
from migrant_health.platform.security import csrf_ok
from migrant_health.platform.settings import Settings

#: Room for the form's fields other than the file (region, label, column map) and the
#: multipart framing; the file itself is held to the limit again when it is copied.
FORM_SLACK = 64 * 1024
_FIELDS = 8  # region_id, label, column_map, and an old form's csrf_token field


class BodyTooLargeError(Exception):
    """The body went past the limit while it streamed."""


@dataclass
class UploadForm:
    """An upload's form, read (or refused for its size: then ``refused`` says why).

    Attributes:
        file: The survey file (spooled to a temporary file by the parser).
        fields: The other fields, by name.
        refused: Why the body was not read to its end, or ``""``.
    """

    file: UploadFile | None = None
    fields: dict[str, str] = field(default_factory=dict)
    refused: str = ""


def too_large(settings: Settings) -> str:
    """The message of a file over ``--max-upload-mb``."""
    return (
        f"the file is larger than the platform's limit of "
        f"{settings.max_upload_bytes / 1024 / 1024:.1f} MB; upload a smaller wave or ask the "
        "admin to raise --max-upload-mb"
    )


async def require_csrf_outside_body(request: Request) -> None:
    """Refuse an upload whose CSRF token is not in its header or URL (403), unread."""
    sent = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
    if not csrf_ok(request.session, sent):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise BodyTooLargeError
        yield chunk


async def read_upload(
    request: Request,
    _: None = Depends(require_csrf_outside_body),
    account: Account = Depends(require_analyst),
    settings: Settings = Depends(settings_of),
) -> AsyncIterator[UploadForm]:
    """The upload's form, read only after the checks of the module docstring.

    Raises:
        HTTPException: 403 without the CSRF token or for another role than analyst, 401
            without a login, 400 for a body that is not a multipart form.
    """
    limit = settings.max_upload_bytes + FORM_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        yield UploadForm(refused=too_large(settings))
        return
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(status_code=400, detail="send the wave as a multipart form")
    parser = MultiPartParser(
        request.headers, _limited(request.stream(), limit), max_files=1, max_fields=_FIELDS
    )
    try:
        form = await parser.parse()  # on an error, the parser closes what it spooled
    except BodyTooLargeError:
        yield UploadForm(refused=too_large(settings))
        return
    except MultiPartException as exc:
        raise HTTPException(status_code=400, detail=f"unreadable upload: {exc.message}") from exc
    try:
        file = form.get("file")
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        yield UploadForm(file=file if isinstance(file, UploadFile) else None, fields=fields)
    finally:
        await form.close()
