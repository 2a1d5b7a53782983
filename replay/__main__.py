"""``python -m replay --mirror DIR [--host 127.0.0.1] [--port N]``: serve a mirror until Ctrl-C.

Prints the root URL and the environment variables that point the production clients (or any
other client) at it, e.g. ``KOLADA_API_URL=http://127.0.0.1:8765/kolada/v3``. Port 0 (the
default) takes a free port. The host defaults to 127.0.0.1: the replay is a test double, not
a service for other machines. ``--only kolada_v3`` serves those folders alone and
``--until-stdin-closes`` ends it with its parent (replay/process.py runs it so for a refresh in
a process with threads; a refresh with one thread forks its replay instead).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from pathlib import Path

from replay.server import ReplayServer


def parser() -> argparse.ArgumentParser:
    """The command line (exposed for tests)."""
    p = argparse.ArgumentParser(prog="python -m replay",
                                description="Spela upp en spegelmapp som Kolada och SCB.")
    p.add_argument("--mirror", required=True, help="spegelmappen, t.ex. ../shared/data")
    p.add_argument("--host", default="127.0.0.1", help="adress att lyssna på (127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (0 = en ledig port)")
    p.add_argument("--only", default=None,
                   help="bara dessa spegelmappar, kommaseparerade (t.ex. kolada_v3)")
    p.add_argument("--until-stdin-closes", action="store_true",
                   help="avsluta när standard in stängs (för en förälderprocess)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Start the server, print where it listens, wait for Ctrl-C or SIGTERM."""
    args = parser().parse_args(argv)
    try:
        only = tuple(f for f in args.only.split(",") if f) if args.only else None
        server = ReplayServer(Path(args.mirror), host=args.host, port=args.port, only=only)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"fel: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.until_stdin_closes:  # the parent is gone (or done) when its end of the pipe closes
        # a refresh's child lives for one fetch: the cycle collector, which walked the parsed
        # recordings again and again while they were read (a third of this process's CPU),
        # has nothing to find in them; reference counting still frees what is dropped
        gc.disable()
        # then end at once: nothing to save, and freeing the parsed recordings took longer
        # than the parent should wait
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)),
                         daemon=True).start()
    print(f"replay: {server.url}", flush=True)
    for key, value in server.env().items():
        print(f"{key}={value}", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
