"""``python -m warehouse``: see warehouse/cli.py."""

import signal
import sys

from warehouse.cli import main

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly, like other tools
sys.exit(main())
