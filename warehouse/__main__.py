"""``python -m warehouse``: see warehouse/cli.py."""

import os
import sys

# numpy's OpenBLAS starts a worker thread that spins on the second core at import: ~0.05 s of
# CPU per process, and the build and refresh do no linear algebra (perf26, bench/results/
# build.md). Set before numpy is imported; a caller's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from warehouse.cli import before_exit, main

code = main(command_line=True)  # SIGPIPE decided there, by command
before_exit()
sys.exit(code)
