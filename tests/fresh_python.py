"""Running Python code in a fresh process on the source tree the tests import.

What a process imports, or how much memory it takes at its peak, can only be seen in a process
of its own: the test session has imported and allocated everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import migrant_health

#: The folder holding the package the tests import, whether installed or given by PYTHONPATH.
SOURCE = str(Path(migrant_health.__file__).resolve().parents[1])


def last_json_line(code: str, *args: str, drop: tuple[str, ...] = (), timeout: float = 300) -> Any:
    """Run ``python -c code args...`` on this source tree and parse its last line as JSON.

    Args:
        code: Python source; it must print its result as JSON on its last line.
        args: Its command-line arguments.
        drop: Environment variables to leave out (e.g. ``MIGRANT_HEALTH_SMALL_RUNS``).
        timeout: Seconds it may take.

    Returns:
        The parsed last line. The calling test fails, with the process's standard error, if
        the process exits otherwise than with 0.
    """
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
