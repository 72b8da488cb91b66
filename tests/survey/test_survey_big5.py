"""A Big5 file (traditional Chinese, as exported in Taiwan, Hong Kong or Macao) is read as Big5.

GB18030 decodes nearly any bytes, so such a file had been read as GB18030 without a word, its
labels turned into rare characters and kana; now it is recognised and the reader says so.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.encoding import EncodingGuessWarning, detect_encoding
from migrant_health.survey.readers import read_table

runner = CliRunner()

CITIES = ["廣州市", "深圳市", "東莞市", "佛山市"]
WORK = ["製造業", "建築業", "服務業", "運輸業"]


def _export(path: Path, encoding: str, cities: list[str] = CITIES) -> Path:
    frame = pd.DataFrame(
        {
            "id": range(1, 41),
            "城市": cities * 10,
            "行業": WORK * 10,
            "age": [25, 31, 44, 52] * 10,
        }
    )
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def test_a_big5_export_is_read_as_big5_with_a_warning(tmp_path: Path) -> None:
    path = _export(tmp_path / "taipei.csv", "big5")
    with pytest.warns(EncodingGuessWarning, match=r"read as Big5 \(traditional Chinese\)"):
        table = read_table(path)
    assert list(table.columns) == ["id", "城市", "行業", "age"]
    assert table["城市"].head(4).tolist() == CITIES


def test_mainland_exports_are_read_as_before_without_a_warning(tmp_path: Path) -> None:
    simplified = _export(tmp_path / "gbk.csv", "gbk", ["广州市", "深圳市", "东莞市", "佛山市"])
    # Traditional characters saved by mainland software (GBK) stay GB18030: about a third of
    # them lie outside GB2312, far from the Big5 reading's two thirds.
    traditional = _export(tmp_path / "gbk_traditional.csv", "gbk")
    with warnings.catch_warnings():
        warnings.simplefilter("error", EncodingGuessWarning)
        assert detect_encoding(simplified) == "gb18030"
        assert detect_encoding(traditional) == "gb18030"
        assert read_table(traditional)["城市"].head(4).tolist() == CITIES


def test_the_command_line_says_so_in_one_line(tmp_path: Path) -> None:
    path = _export(tmp_path / "taipei.csv", "big5")
    result = runner.invoke(survey_app, ["validate", str(path)])
    assert "warning: " in result.output and "read as Big5" in result.output
    assert "EncodingGuessWarning" not in result.output  # not Python's file:line: Category:
    assert "--encoding gb18030" in result.output


@pytest.mark.parametrize(
    ("codec", "extra", "named"),
    [("cp950", "€", "Big5 (cp950)"), ("big5hkscs", "佢哋嘅", "Big5-HKSCS")],
    ids=["taiwan-windows", "hong-kong"],
)
def test_taiwans_windows_and_hong_kongs_big5_are_recognised(
    tmp_path: Path, codec: str, extra: str, named: str
) -> None:
    """Plain Big5 lacks the euro sign of Windows in Taiwan and Hong Kong's Cantonese characters:
    such files had been read silently as GB18030."""
    path = _export(tmp_path / f"{codec}.csv", codec, [c + extra for c in CITIES])
    with pytest.warns(EncodingGuessWarning, match=rf"read as {re.escape(named)}"):
        table = read_table(path)
    assert table["城市"].iloc[0] == CITIES[0] + extra
