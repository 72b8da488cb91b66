"""Ctrl-C on a two-worker run: a prompt exit with status 130, no orphaned worker, no output.

A terminal's Ctrl-C sends SIGINT to every process of the foreground group, so the test starts
``migrant-health simulate --workers 2`` in a session of its own and sends SIGINT to that whole
group, at three moments: as the simulation starts (the workers are being forked), while the
workers load, and while they simulate; and once more with a second Ctrl-C soon after the first,
while the command winds down (before this was handled, that second one ended the process by the
signal, status -2, after the first had printed its line).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import migrant_health

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

# Eleven chunks over 28 years, so both workers have work and new chunks are handed out while
# others run: about 6.5 seconds after the run announces itself on the 2-core development machine,
# long enough to be interrupted mid-way on a machine a few times faster.
COMMAND = ["simulate", "--scale", "1000", "--end", "2035", "--workers", "2", "--seed", "5"]
SOURCE = str(Path(migrant_health.__file__).parents[1])
# ``python -m migrant_health`` with Ctrl-C handled as in a terminal. A process started in the
# background by a non-interactive shell inherits SIGINT ignored, and Python keeps it ignored
# (as ``nohup`` intends), so without this the test, run that way, would never interrupt anything.
LAUNCH = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'migrant-health'; runpy.run_module('migrant_health', run_name='__main__')"
)


def _start(
    tmp_path: Path, arguments: list[str], launch: str = LAUNCH, stdout: int = subprocess.DEVNULL
) -> subprocess.Popen[str]:
    """``migrant-health ARGUMENTS`` in a session of its own (its process group, as a terminal's
    foreground job), from ``tmp_path``, with this checkout's package."""
    return subprocess.Popen(
        [sys.executable, "-c", launch, *arguments],
        env={**os.environ, "PYTHONPATH": SOURCE},
        cwd=tmp_path,
        start_new_session=True,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def _exit_status(process: subprocess.Popen[str], after: str, seconds: float = 60) -> int:
    """The command's exit status once it ends after ``after`` (failing if it hangs), every
    worker of its session stopped and reaped before it exited."""
    try:
        code = process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the run hung after {after}")
    assert _session(process.pid) == []
    return code


def _pids() -> list[int]:
    try:
        import psutil
    except ImportError:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    return list(psutil.pids())


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    members = []
    for pid in _pids():
        try:
            if os.getsid(pid) != sid:
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            members.append(pid)
    return members


@pytest.mark.parametrize(
    ("delay", "second_after"),
    [(0.0, None), (1.0, None), (3.0, None), (1.5, 0.3)],
    ids=["forking", "loading", "simulating", "pressed-twice"],
)
def test_ctrl_c_stops_a_two_worker_run_without_orphans(
    tmp_path: Path, delay: float, second_after: float | None
) -> None:
    # Only the latest Ctrl-C may come after the run finished (see COMMAND).
    may_finish = delay >= 3.0
    out = tmp_path / "run"
    process = _start(tmp_path, [*COMMAND, "--out", str(out)], stdout=subprocess.PIPE)
    started = threading.Event()

    def watch_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("simulating"):
                started.set()

    threading.Thread(target=watch_stdout, daemon=True).start()
    try:
        # The run announces itself; a worker process appearing says the same.
        deadline = time.monotonic() + 300
        while not started.is_set() and len(_session(process.pid)) < 2:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        if second_after is not None:
            time.sleep(second_after)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        code = _exit_status(process, "Ctrl-C")
    finally:
        if _session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    errors = process.stderr.read() if process.stderr else ""
    if out.exists():
        assert may_finish, f"the Ctrl-C {delay} s in did not stop the run: {errors}"
        # The run had finished and was written before the signal came: either the command was
        # printing its summary, and says the run is complete, or it had returned and ignores
        # Ctrl-C while Python exits.
        assert (out / "run.json").exists()
        if code == 130:
            assert f"{out} had been written in full before it" in errors
        else:
            assert code == 0, errors
        return
    assert code == 130, errors
    assert errors.strip() == "interrupted: stopped before finishing; nothing half-written was left"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "staging or runs folder left behind"


def test_ctrl_c_to_calibrate_alone_stops_its_workers_after_their_trials(tmp_path: Path) -> None:
    """``kill -INT`` (or ``timeout``) reaches the calibration's parent only: it stops its workers.

    Each worker finishes the trial in hand, so the study's journal holds completed trials and
    none failed by the interrupt, and the command exits with 130 within seconds instead of
    running every trial left.
    """
    import optuna

    from migrant_health.experiments.calibration import JOURNAL_FILE, _storage

    study = tmp_path / "study"
    command = ["calibrate", "--trials", "80", "--workers", "2", "--scale", "200000"]
    command += ["--replicates", "1", "--end", "2012", "--study", str(study)]
    process = _start(tmp_path, command)
    try:
        deadline = time.monotonic() + 300
        while len(_session(process.pid)) < 3:  # the command and its two workers
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        time.sleep(4.0)  # into the trials
        os.kill(process.pid, signal.SIGINT)
        code = process.wait(timeout=60)
        assert _session(process.pid) == []
    finally:
        if _session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    errors = process.stderr.read() if process.stderr else ""
    assert code == 130, errors
    assert errors.startswith("interrupted: stopped before finishing"), errors
    assert "Traceback" not in errors
    trials = optuna.load_study(study_name=None, storage=_storage(study / JOURNAL_FILE)).get_trials(
        deepcopy=False
    )
    states = {trial.state.name for trial in trials}
    assert "FAIL" not in states and "COMPLETE" in states
    assert len(trials) < 80


# As a script or ``nohup`` starts a command in the background: SIGINT ignored.
LAUNCH_IN_BACKGROUND = LAUNCH.replace("signal.default_int_handler", "signal.SIG_IGN")


@pytest.mark.parametrize(
    ("to_group", "launch"),
    [(False, LAUNCH), (True, LAUNCH), (False, LAUNCH_IN_BACKGROUND)],
    ids=["kill-pid", "kill-group", "kill-pid-started-in-background"],
)
def test_sigterm_stops_a_two_worker_run_as_ctrl_c_does(
    tmp_path: Path, to_group: bool, launch: str
) -> None:
    """``kill``, ``timeout`` and job schedulers send SIGTERM, to the command or to its group.
    It ended the main process at once, and its two workers ran on at full CPU beside a
    staging directory; now the workers are stopped, nothing is left, and the status is 143,
    also for a command started in the background, whose SIGINT is ignored."""
    out = tmp_path / "run"
    process = _start(tmp_path, [*COMMAND, "--out", str(out)], launch)
    try:
        deadline = time.monotonic() + 300
        while len(_session(process.pid)) < 3:  # the command and both workers
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        time.sleep(1.0)
        if to_group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            os.kill(process.pid, signal.SIGTERM)
        code = _exit_status(process, "SIGTERM")
    finally:
        if _session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    errors = process.stderr.read() if process.stderr else ""
    assert code == 143, errors
    assert errors.strip() == "terminated: stopped before finishing; nothing half-written was left"
    assert list(tmp_path.iterdir()) == [], "staging or output left behind"


def test_sigterm_while_a_dask_cluster_starts_stops_the_run(tmp_path: Path) -> None:
    """The local Dask cluster starts for seconds with Ctrl-C ignored; a SIGTERM then was
    ignored too: the run went on to the end and exited 0, and the cluster's processes kept
    SIGTERM ignored for their life. Now it is held back and acted on once the cluster is up."""
    pytest.importorskip("distributed")
    out = tmp_path / "run"
    command = ["simulate", "--scheduler", "local", "--workers", "2", "--scale", "2000"]
    process = _start(tmp_path, [*command, "--end", "2035", "--out", str(out)])
    try:
        deadline = time.monotonic() + 300
        while len(_session(process.pid)) < 2:  # the cluster's first process is starting
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the cluster never started"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGTERM)
        try:
            code = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("the run hung after SIGTERM")
        _until_gone(process.pid)
    finally:
        if _session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    errors = process.stderr.read() if process.stderr else ""
    assert code == 143, errors
    assert not out.exists()


def _until_gone(sid: int, seconds: float = 30.0) -> None:
    """Wait for every process of session ``sid`` to end (a cluster's close takes a moment)."""
    deadline = time.monotonic() + seconds
    while _session(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session(sid) == [], "processes of the run outlived it"
