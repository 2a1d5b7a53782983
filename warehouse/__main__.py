"""``python -m warehouse``: see warehouse/cli.py."""

import sys

from warehouse.cli import main

sys.exit(main(command_line=True))  # SIGPIPE decided there, by command
