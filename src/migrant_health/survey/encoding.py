"""The text encoding of a survey file: given by the user, or detected (UTF-8 or GB18030, or
the UTF-16 or UTF-32 that a byte-order mark names, or Big5 when a file that passes GB18030
reads as mojibake in it).

Chinese survey software (and Excel on a Chinese Windows) usually exports CSV files in GBK, the
code page 936; others write UTF-8, often with a byte-order mark. GB18030 is a superset of GBK, so
detection tries UTF-8 (a leading BOM is skipped) and then GB18030, and takes the first that
decodes the whole file. UTF-8 goes first because a GBK file is almost never valid UTF-8, while
many UTF-8 files would decode, wrongly, as GB18030.

The file is decoded in blocks, so a large file is never held twice in memory; the reader then
parses it again with the encoding found.
"""

from __future__ import annotations

import codecs
import warnings
from dataclasses import dataclass
from pathlib import Path

from migrant_health.setting_names import setting
from migrant_health.survey.errors import SurveyReadError

#: Tried in this order when no encoding is given. ``utf-8-sig`` also reads UTF-8 without a BOM.
AUTO_ENCODINGS = ("utf-8-sig", "gb18030")
_BLOCK = 1 << 20
#: Byte-order marks that name their encoding, longest first (UTF-32's begins with UTF-16's);
#: Python's ``utf-16`` and ``utf-32`` codecs read the mark and leave it out of the text.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_READABLE_NAMES = {
    "utf-8-sig": "UTF-8",
    "gb18030": "GB18030",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "big5": "Big5",
    "cp950": "Big5 (cp950)",
    "big5hkscs": "Big5-HKSCS",
}


@dataclass(frozen=True)
class DecodeFailure:
    """Where a file stops being valid text in one encoding.

    Attributes:
        encoding: The codec tried.
        line: 1-based line of the first byte that does not decode.
        byte: That byte, as a number.
    """

    encoding: str
    line: int
    byte: int

    def __str__(self) -> str:
        name = _READABLE_NAMES.get(self.encoding, self.encoding)
        return f"not {name} (line {self.line}, byte 0x{self.byte:02x})"


def _example() -> str:
    """How to name an encoding: ``--encoding big5`` or ``encoding='big5'`` (and latin-1)."""
    return f"such as {setting('encoding', 'big5')} or {setting('encoding', 'latin-1')}"


class EncodingGuessWarning(UserWarning):
    """A file was read in an encoding guessed from its characters (Big5), not merely the first
    that decodes it."""


#: The Big5 families tried, plain first: Windows in Taiwan writes cp950 (Big5 with the euro
#: sign and a few more characters), Hong Kong Big5-HKSCS (with Cantonese characters).
BIG5_FAMILY = ("big5", "cp950", "big5hkscs")


def _big5_reading(path: Path) -> str | None:
    """Whether a file that decodes as GB18030 is Big5 (traditional Chinese from Taiwan, Hong
    Kong or Macao) read wrongly.

    GB18030 decodes nearly any bytes, so a Big5 file passes it, as mojibake: about 40 % of Big5
    characters have a second byte GB2312 never uses, and they read as rare characters outside
    GB2312's 6,763 common ones (with kana and box-drawing signs). In mainland survey files
    nearly every character lies within GB2312 (traditional characters saved as GBK, about a
    third outside). A file is taken for Big5 when it decodes as Big5 and more than half of its
    first megabyte's non-ASCII characters, read as GB18030, lie outside GB2312 (Big5 text
    measured at 64-74 %, simplified at 0 %); the codec is the first of :data:`BIG5_FAMILY`
    that decodes the whole file.
    """
    with path.open("rb") as handle:
        sample = handle.read(_BLOCK)
    text = sample.decode("gb18030", errors="ignore")
    wide = [c for c in text if ord(c) > 127]
    if len(wide) < 20:
        return None  # too little Chinese to tell
    if sum(1 for c in wide if not _in_gb2312(c)) <= len(wide) / 2:
        return None
    return next((codec for codec in BIG5_FAMILY if first_failure(path, codec) is None), None)


def _in_gb2312(character: str) -> bool:
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def codec_name(encoding: str) -> str:
    """Python's name for ``encoding``; UTF-8 reads as ``utf-8-sig`` so a BOM is never data.

    Raises:
        SurveyReadError: If Python knows no such encoding.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise SurveyReadError(
            f"{setting('encoding', encoding)}: unknown encoding; use a name such as utf-8, "
            "gb18030, gbk, big5 or latin-1"
        ) from None
    return "utf-8-sig" if name == "utf-8" else name


def first_failure(path: Path, encoding: str) -> DecodeFailure | None:
    """The first place where ``path`` is not valid ``encoding``, or ``None`` if it all decodes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            # A multi-byte character cut by the block boundary waits in the decoder's buffer.
            pending: bytes = decoder.getstate()[0]
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                seen = exc.object[: exc.start]
                line = lines_before - pending.count(b"\n") + seen.count(b"\n") + 1
                return DecodeFailure(encoding, line, exc.object[exc.start])
            if not block:
                return None
            lines_before += block.count(b"\n")


def detect_encoding(path: Path, encoding: str | None = None) -> str:
    """The codec to read ``path`` with: ``encoding`` if given (checked), else detected.

    Args:
        path: A text (CSV) file.
        encoding: The user's ``--encoding``, or ``None`` to detect UTF-8 or GB18030.

    Returns:
        A Python codec name (``utf-8-sig`` for UTF-8 with or without a BOM).

    Raises:
        SurveyReadError: If the file does not decode, naming the line and byte where each
            encoding tried failed and suggesting ``--encoding``.
    """
    if encoding is None:
        with path.open("rb") as handle:
            start = handle.read(4)
        # A byte-order mark names its encoding (Excel's "Unicode text" is UTF-16 with one).
        for mark, codec in BYTE_ORDER_MARKS:
            if start.startswith(mark):
                failure = first_failure(path, codec)
                if failure is None:
                    return codec
                raise SurveyReadError(
                    f"{path}: the file starts with a {_READABLE_NAMES[codec]} byte-order mark "
                    "but is "
                    f"{failure}; save it as UTF-8, or give its encoding ({_example()})"
                )
    candidates = (codec_name(encoding),) if encoding is not None else AUTO_ENCODINGS
    failures = []
    for candidate in candidates:
        failure = first_failure(path, candidate)
        if failure is None:
            big5 = _big5_reading(path) if encoding is None and candidate == "gb18030" else None
            if big5 is not None:
                warnings.warn(
                    f"{path}: read as {_READABLE_NAMES[big5]} (traditional Chinese): it decodes "
                    "as GB18030 too, "
                    "but then most of its characters are rare ones, as Big5 text read as "
                    "GB18030 gives; if its text looks garbled, give its encoding "
                    f"({setting('encoding', 'gb18030')} or another)",
                    EncodingGuessWarning,
                    stacklevel=2,
                )
                return big5
            return candidate
        failures.append(failure)
    if encoding is not None:
        raise SurveyReadError(
            f"{path}: the file is {failures[0]}; give its actual encoding ({_example()}; utf-8 "
            f"and gb18030 are detected when {setting('encoding')} is left out), or save it as "
            "UTF-8"
        )
    raise SurveyReadError(
        f"{path}: cannot decode the file: it is {' and '.join(map(str, failures))}; "
        f"give its encoding ({_example()}), or save it as UTF-8"
    )
