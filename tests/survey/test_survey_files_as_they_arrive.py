"""Survey files as they really arrive: GBK exports, byte-order marks, empty and repeated columns.

Each test writes a small file the way survey software or a colleague would, then reads it with
the toolkit or runs the ``migrant-health survey`` command on it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.errors import SurveyReadError, SurveyValidationError
from migrant_health.survey.readers import read_survey, read_table, write_survey
from migrant_health.survey.validate import validate_survey

runner = CliRunner()

# A questionnaire exported by Chinese survey software: Chinese labels and answer texts.
CHINESE_MAP = """\
rename:
  sex: 性别
  dest_city: 现居城市
recode:
  sex: {男: male, 女: female}
"""


def _chinese_export(n: int = 40) -> pd.DataFrame:
    frame = simulate_survey(n, seed=5)
    frame["sex"] = frame["sex"].map({"male": "男", "female": "女"})
    frame["dest_city"] = ["北京", "上海", "深圳", "成都"] * (n // 4)
    return frame.rename(columns={"sex": "性别", "dest_city": "现居城市"})


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_gbk_export_with_chinese_labels_reads_without_being_told(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "cmds_export.csv"
    _chinese_export().to_csv(path, index=False, encoding=encoding)
    (tmp_path / "map.yaml").write_text(CHINESE_MAP, encoding="utf-8")

    frame = read_survey(path, tmp_path / "map.yaml")
    table = validate_survey(frame)
    assert table["sex"].tolist() == simulate_survey(40, seed=5)["sex"].tolist()
    assert table["dest_city"].tolist()[:4] == ["北京", "上海", "深圳", "成都"]

    result = runner.invoke(survey_app, ["validate", str(path), "-m", str(tmp_path / "map.yaml")])
    assert result.exit_code == 0, result.output
    assert "valid: 40 respondents" in result.output
    assert "read as GB18030" in result.output  # the user learns how the file was understood


def test_utf8_with_a_byte_order_mark_reads_as_plain_utf8(tmp_path: Path) -> None:
    path = tmp_path / "excel_utf8.csv"
    _chinese_export().to_csv(path, index=False, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_table(path)
    assert table.columns[0] == "id"  # not '\ufeffid'
    assert "性别" in table.columns
    assert table.attrs["source_encoding"] == "utf-8-sig"


def test_utf16_with_a_byte_order_mark_reads_without_being_told(tmp_path: Path) -> None:
    """Its byte-order mark names the encoding; tried as UTF-8 and GB18030 it was refused."""
    path = tmp_path / "unicode_export.csv"
    _chinese_export().to_csv(path, index=False, encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    table = read_table(path)
    assert table.columns[0] == "id" and "性别" in table.columns
    assert table.attrs["source_encoding"] == "utf-16"


def test_a_tab_separated_file_is_read_with_tabs_whatever_its_suffix(tmp_path: Path) -> None:
    """Excel's "Unicode text" (UTF-16, tabs) and "Text (tab delimited)" exports, saved as .csv,
    .txt or .tsv: read with commas, the whole header was one column."""
    survey = simulate_survey(10, seed=2)
    expected = read_table(write_survey(survey, tmp_path / "plain.csv"))
    for name, encoding in (
        ("unicode_text.csv", "utf-16"),
        ("export.txt", "utf-16"),
        ("a.tsv", None),
    ):
        path = tmp_path / name
        survey.to_csv(path, index=False, sep="\t", encoding=encoding)
        table = read_table(path)
        pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    labelled = tmp_path / "labelled.txt"  # a name holding a comma: still more tabs than commas
    survey.rename(columns={"age": "age, years"}).to_csv(labelled, index=False, sep="\t")
    assert "age, years" in read_table(labelled).columns


def test_a_tsv_file_is_written_with_tabs_and_reads_back(tmp_path: Path) -> None:
    survey = simulate_survey(20, seed=3)
    path = write_survey(survey, tmp_path / "wave.tsv")
    assert path.read_text(encoding="utf-8").splitlines()[0].count("\t") == len(survey.columns) - 1
    assert len(read_survey(path)) == 20


def test_a_short_row_of_a_tab_separated_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cut.tsv"
    path.write_text("id\tage\tsex\n1\t30\tmale\n2\t41\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match=r"line 3 has 2"):
        read_table(path)


def test_encoding_names_an_encoding_that_detection_would_get_wrong(tmp_path: Path) -> None:
    # Big5 (Taiwan, Hong Kong) bytes also decode as GB18030, into the wrong characters.
    path = tmp_path / "big5.csv"
    pd.DataFrame({"id": [1, 2], "city": ["臺北", "高雄"]}).to_csv(
        path, index=False, encoding="big5"
    )
    assert read_table(path)["city"].tolist() != ["臺北", "高雄"]
    assert read_table(path, encoding="big5")["city"].tolist() == ["臺北", "高雄"]


def test_a_file_in_no_known_encoding_says_where_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"id,age\n1,30\n2,\xff\xfe\n")
    result = runner.invoke(survey_app, ["validate", str(path)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "not UTF-8 (line 3, byte 0xff)" in message
    assert "not GB18030 (line 3, byte 0xff)" in message
    assert "--encoding" in message
    assert "Traceback" not in result.output


def test_a_wrong_encoding_is_named_with_the_line_it_fails_on(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    _chinese_export(8).to_csv(path, index=False, encoding="gbk")
    with pytest.raises(SurveyReadError, match=r"not UTF-8 \(line 1, byte 0x"):
        read_table(path, encoding="utf-8")
    with pytest.raises(SurveyReadError, match="unknown encoding"):
        read_table(path, encoding="gbk2312")
    result = runner.invoke(survey_app, ["index", str(path), "--encoding", "utf-8"])
    assert result.exit_code == 2 and "line 1" in result.output


def test_every_survey_command_takes_encoding(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    simulate_survey(60).to_csv(path, index=False, encoding="gb18030")
    for command in (
        ["validate", str(path)],
        ["index", str(path)],
        ["estimate", str(path), "--model", "ols", "--outcome", "bmi", "--exposure", "age"],
    ):
        result = runner.invoke(survey_app, [*command, "--encoding", "gb18030"])
        assert result.exit_code == 0, (command, result.output)


def test_a_header_without_respondents_is_an_error_not_a_valid_survey(tmp_path: Path) -> None:
    path = tmp_path / "header_only.csv"
    simulate_survey(3).head(0).to_csv(path, index=False)
    result = runner.invoke(survey_app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "no respondents" in result.output and "but no data rows" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(SurveyReadError, match="the file is empty"):
        read_table(empty)
    stata = write_survey(simulate_survey(3).head(0), tmp_path / "header_only.dta")
    with pytest.raises(SurveyReadError, match="no respondents"):
        read_table(stata)


def test_a_file_cut_off_or_with_rows_of_the_wrong_width_is_refused_with_their_lines(
    tmp_path: Path,
) -> None:
    """A short row was read as respondents with missing answers: a file cut off in its last
    row validated as a survey of 13 respondents (before this check, 2026-12-05)."""
    whole = tmp_path / "whole.csv"
    simulate_survey(20).to_csv(whole, index=False)
    text = whole.read_text()
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: len(text) // 2])  # ends inside a row
    result = runner.invoke(survey_app, ["validate", str(cut)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "do not have the header's" in message and "may be cut off" in message
    assert "Traceback" not in result.output

    lines = text.splitlines()
    lines[6] = ",".join(lines[6].split(",")[:10])  # file line 7 loses fields
    lines[9] = lines[9] + ",extra"  # and line 10 gains one
    (tmp_path / "ragged.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(SurveyReadError, match=r"2 row.*line 7 has 10; line 10 has"):
        read_table(tmp_path / "ragged.csv")

    # What pandas reads is still read: lines of spaces or tabs, a quoted line break, a field
    # longer than the csv module's default limit.
    lines[6], lines[9] = text.splitlines()[6], text.splitlines()[9]
    lines.insert(5, "   ")
    lines.append("\t")
    (tmp_path / "blank_lines.csv").write_text("\n".join(lines) + "\n")
    assert len(read_table(tmp_path / "blank_lines.csv")) == 20
    long_text = tmp_path / "long.csv"
    long_text.write_text('id,note\n1,"' + "x" * 200_000 + '"\n2,"two\nlines"\n')
    assert read_table(long_text)["note"].str.len().tolist() == [200_000, 9]


def test_a_column_name_given_twice_is_named_with_its_positions(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    header = "id,age,sex,age,x,x,x"
    path.write_text(f"{header}\n1,30,male,31,a,b,c\n")
    result = runner.invoke(survey_app, ["validate", str(path)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "'age' at columns 2 and 4" in message
    assert "'x' at columns 5, 6 and 7" in message
    assert "age.1" not in message  # pandas' silent renaming is not what the user sees

    table = pa.table([pa.array([1]), pa.array([30]), pa.array([31])], names=["id", "age", "age"])
    pq.write_table(table, tmp_path / "twice.parquet")
    with pytest.raises(SurveyReadError, match="'age' at columns 2 and 3"):
        read_table(tmp_path / "twice.parquet")


def test_a_column_map_that_makes_two_columns_into_one_is_refused(tmp_path: Path) -> None:
    frame = simulate_survey(10).rename(columns={"age": "q101_age"})
    frame["age"] = frame["q101_age"] + 1  # the file's own, older age column
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    clash = tmp_path / "clash.yaml"
    clash.write_text("rename:\n  age: q101_age\n")
    result = runner.invoke(survey_app, ["validate", str(path), "-m", str(clash)])
    assert result.exit_code == 2
    position_src = list(frame.columns).index("q101_age") + 1
    position_own = list(frame.columns).index("age") + 1
    message = " ".join(result.output.split())
    assert f"rename.age <- q101_age (column {position_src})" in message
    assert f"the file's own 'age' (column {position_own})" in message

    twice = tmp_path / "twice.yaml"
    twice.write_text("rename:\n  age: q101_age\n  sex: sex\n  age: age\n")
    result = runner.invoke(survey_app, ["validate", str(path), "-m", str(twice)])
    assert result.exit_code == 2
    assert "line 4: key 'age' is given twice" in result.output
    assert "first at line 2" in result.output

    both = tmp_path / "both.yaml"
    both.write_text("rename:\n  age: q101_age\nderive:\n  age: q101_age - 1\n")
    result = runner.invoke(survey_app, ["validate", str(path), "-m", str(both)])
    assert result.exit_code == 2
    assert "rename.age and derive.age" in result.output

    # Without the file's own column kept, the same rename is fine.
    (tmp_path / "dropped.yaml").write_text("rename:\n  age: q101_age\nkeep_unmapped: false\n")
    mapped = read_survey(path, tmp_path / "dropped.yaml")
    assert mapped["age"].tolist() == frame["q101_age"].tolist()


def test_a_column_map_that_is_not_utf8_or_keys_a_list_or_sets_a_list_is_answered(
    tmp_path: Path,
) -> None:
    """Each with one message and its place, never a traceback."""
    path = tmp_path / "survey.csv"
    simulate_survey(10).to_csv(path, index=False)
    cases = {
        "gbk.yaml": ("source: 流动人口\nrename:\n  age: age\n".encode("gbk"), "not UTF-8 text"),
        "listed.yaml": (b"recode:\n  sex: {[1]: male, 2: female}\n", "line 2: a key must be"),
        "constant.yaml": (b"constants:\n  survey_year: [2017]\n", "constants.survey_year must"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        result = runner.invoke(survey_app, ["validate", str(path), "-m", str(tmp_path / name)])
        assert result.exit_code == 2, (name, result.output)
        assert expected in " ".join(result.output.split()), (name, result.output)
        assert "Traceback" not in result.output


def test_a_semicolon_separated_export_is_read_with_semicolons(tmp_path: Path) -> None:
    """Excel in a language with decimal commas saves "CSV" with semicolons between values."""
    survey = simulate_survey(15, seed=4)
    path = tmp_path / "export.csv"
    survey.to_csv(path, index=False, sep=";")
    expected = read_table(write_survey(survey, tmp_path / "plain.csv"))
    pd.testing.assert_frame_equal(read_table(path), expected, check_dtype=False)


def test_a_quoted_name_holding_semicolons_does_not_change_the_delimiter(tmp_path: Path) -> None:
    """A codebook-style header name, quoted, with its codes in it: counted by characters, its
    semicolons outnumbered the commas and a valid comma file was refused."""
    survey = simulate_survey(12, seed=6)
    long_name = "srh (1=very poor; 2=poor; 3=fair; 4=good; 5=very good)"
    path = tmp_path / "codebook_names.csv"
    survey[["id", "weight", "srh"]].rename(columns={"srh": long_name}).to_csv(path, index=False)
    table = read_table(path)
    assert list(table.columns) == ["id", "weight", long_name] and len(table) == 12


def test_a_comma_file_whose_first_row_holds_an_unquoted_comma_is_named_not_misread(
    tmp_path: Path,
) -> None:
    """A semicolon or a tab leaves this header one field, as "wide" as a data row read alike:
    such a delimiter never wins over the comma that splits the header, and the row is named."""
    path = tmp_path / "unquoted.csv"
    path.write_text("id,age,city,srh\n1,30,Beijing, Chaoyang,3\n2,40,Shanghai,4\n")
    with pytest.raises(SurveyReadError, match=r"line 2 has 5"):
        read_table(path)


def test_decimal_commas_are_named_with_the_way_to_convert_them(tmp_path: Path) -> None:
    """Excel in a language that writes 1,826 for 1.826 separates values with semicolons. The
    reader keeps such values as written (a two-code answer, "1,3", reads alike) and
    validation says what they look like and how to convert them."""
    survey = simulate_survey(15, seed=7)
    path = tmp_path / "european.csv"
    survey.to_csv(path, index=False, sep=";", decimal=",")
    with pytest.raises(SurveyValidationError, match=r"not a number \(decimal commas\?"):
        validate_survey(read_survey(path))
    codes = tmp_path / "codes.csv"
    codes.write_text("id;age;reasons\n1;30;1,3\n2;40;2\n")
    assert read_table(codes)["reasons"].tolist() == ["1,3", "2"]
