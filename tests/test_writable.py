"""An output path is checked before any work, and checking it creates nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrant_health.errors import RunConfigError
from migrant_health.writable import check_can_write


def test_a_new_file_in_new_folders_is_fine_and_nothing_is_created(tmp_path: Path) -> None:
    check_can_write(tmp_path / "report.html", "out")
    check_can_write(tmp_path / "a" / "b" / "report.html", "out")
    check_can_write(tmp_path / "study", "study", directory=True)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_may_be_replaced_and_a_study_resumed(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("old")
    check_can_write(tmp_path / "report.html", "out")
    check_can_write(tmp_path, "study", directory=True)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_path_through_a_file_names_the_option_and_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    with pytest.raises(RunConfigError) as err:
        check_can_write(blocker / "sub" / "report.html", "out")
    message = str(err.value)
    assert f"cannot write out {blocker / 'sub' / 'report.html'}" in message
    assert f"{blocker} is a file, not a folder; choose another path for out" in message


def test_a_folder_is_not_a_file_nor_a_file_a_folder(tmp_path: Path) -> None:
    with pytest.raises(RunConfigError, match="is a directory; give the path of a file"):
        check_can_write(tmp_path, "out")
    (tmp_path / "study").write_text("")
    with pytest.raises(RunConfigError, match="is a file; give the path of a directory"):
        check_can_write(tmp_path / "study", "study", directory=True)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_a_place_where_nothing_can_be_written_is_refused_even_for_root() -> None:
    # /proc refuses new files whatever the permissions say (os.access would say yes to root).
    with pytest.raises(RunConfigError, match=r"cannot write out /proc/report\.html: .* in /proc"):
        check_can_write(Path("/proc/report.html"), "out")
