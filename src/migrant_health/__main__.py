"""``python -m migrant_health``: the ``migrant-health`` command without the installed script."""

import signal
import sys

try:
    from migrant_health.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command loads: nothing has started yet
    print("interrupted: stopped before starting", file=sys.stderr)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not change the status
    sys.exit(130)

main()
