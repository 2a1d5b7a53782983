"""Kolada's client alone, in this process, against the mirror's replay in a child: its CPU, and
how it splits between the row check, the JSON parse and the rest (HTTP, writes, sha256).

    python bench/kolada_client_split.py            # this checkout, real client
    python bench/kolada_client_split.py check      # row check replaced by a count
    python bench/kolada_client_split.py parse      # no parse of the values either
    BENCH_CODE=/tmp/base python bench/kolada_client_split.py

The stand-ins are for measuring only (the "parse" one fails the municipality list, whose ids
it never reads). CPU is this process's (user and system), the replay child's not counted.
"""

from __future__ import annotations

import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from _common import MIRROR, header


def main(stub: str) -> None:
    from data_sources import kolada
    from replay.process import ReplayProcess
    from replay.server import MOUNTS
    from transforms import validate
    from warehouse import fetch

    if stub == "check":
        validate.kolada_rows = lambda body, **_: sum(len(e["values"]) for e in body["values"])
    elif stub == "parse":
        def page_link_only(response) -> dict:
            link = re.search(rb'"next_page": *"([^"]*)"', response.content[-400:])
            return {"values": [], "next_page": link[1].decode() if link else None}

        kolada.parse_body = page_link_only
        validate.kolada_rows = lambda body, **_: 1
    replay = ReplayProcess(MIRROR, ["kolada_v3"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = fetch.FetchReport()
            before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            fetch.fetch_kolada(report, root=Path(tmp), progress=lambda _: None,
                               base_url=f"{replay.url}{MOUNTS['kolada_v3']}")
            after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
    finally:
        replay.stop()
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    failed = sum(not o.ok for o in report.outcomes)
    print(f"{stub or 'real'}: CPU {user + system:.2f} s (user {user:.2f}, system {system:.2f}), "
          f"wall {wall:.2f} s; {len(report.outcomes)} datasets, {failed} failed")


if __name__ == "__main__":
    print(header())
    main(sys.argv[1] if len(sys.argv) > 1 else "")
