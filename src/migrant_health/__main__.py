"""``python -m migrant_health``: the ``migrant-health`` command without the installed script."""

import sys

try:
    from migrant_health.cli.main import app
except KeyboardInterrupt:  # Ctrl-C while the command loads: nothing has started yet
    print("interrupted: stopped before starting", file=sys.stderr)
    sys.exit(130)

app(prog_name="migrant-health")
