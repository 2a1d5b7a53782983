"""``python -m warehouse``: see warehouse/cli.py."""

import sys

from warehouse.cli import before_exit, main

code = main(command_line=True)  # SIGPIPE decided there, by command
before_exit()
sys.exit(code)
