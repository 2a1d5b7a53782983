"""Memory and time of the Arbetsförmedlingen reader on a web-sok-lan-kom-sized workbook.

Builds (never commits) a hand-made workbook shaped like ``web-sok-lan-kom``: three pivot caches
(ALDGR, FODLGRP, UTBILDNING) over 1996-01 … 2026-08, 290 kommuner plus "Uppgift saknas" rows
per län and for unknown län, two sexes, INSAL inline with "<5" below 5. The ALDGR cache alone
is at least 200 MB unpacked (the real file's order of size). Then reads it with
``transforms.staging_af.read_sok_lan_kom`` in a fresh process and reports that process's peak
RSS and wall time. Goal: under 300 MB and under 60 s. Not a test: nothing is enforced. Writes
bench/results/af_reader.md.

    python -m bench.bench_af [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "af_reader.md"
FILE = "web-sok-lan-kom-2026-08.xlsx"
AGES = ["16-17 år", "18-19 år", "20-24 år", "25-29 år", "30-34 år", "35-39 år", "40-44 år",
        "45-49 år", "50-54 år", "55-59 år", "60-64 år", "65-66 år", "67- år"]
BIRTH = ["Inrikes födda", "Utrikes födda", "Uppgift saknas"]
EDUCATION = ["Förgymnasial utbildning", "Gymnasial utbildning", "Eftergymnasial utbildning",
             "Uppgift saknas", "Okänd nivå", "Forskarutbildning"]


def _geography() -> list[tuple[str, str]]:
    """(län name, kommun name): the 290 real kommuner, 21 'Uppgift saknas' in a län, 1 unknown."""
    shared = ROOT.parent / "shared" / "data"
    muni = json.loads((shared / "kolada_v3/municipality.json").read_text("utf-8"))["values"]
    meta = json.loads((shared / "scb_v2/tables/TAB6471/metadata.json").read_text("utf-8"))
    lan = {c: n for c, n in meta["dimension"]["Region"]["category"]["label"].items()
           if len(c) == 2 and c != "00"}
    geo = [(lan[m["id"][:2]], m["title"]) for m in muni if m["type"] == "K"]
    geo += [(name, "Uppgift saknas") for name in lan.values()]
    return geo + [("Uppgift saknas", "Uppgift saknas")]


def _months() -> list[str]:
    return [f"{y}-{m:02d}" for y in range(1996, 2027) for m in range(1, 13)
            if (y, m) <= (2026, 8)]


def _records(items: list[str], seed: int):
    rng = random.Random(seed)
    geo = _geography()
    for month in _months():
        for lan, kommun in geo:
            for sex in ("Kvinnor", "Män"):
                for item in items:
                    n = int(rng.expovariate(1 / 60))
                    yield [month, sex, lan, kommun, item, "<5" if 0 < n < 5 else n]


def build(path: Path) -> dict[str, int]:
    """Write the hand-made workbook; return the unpacked size of each records part."""
    from tests.xlsx_handmade import Cache, write_workbook

    caches = []
    for i, (dim, items) in enumerate((("UTBILDNING", EDUCATION), ("FODLGRP", BIRTH),
                                      ("ALDGR", AGES))):
        fields = ["PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", dim, "INSAL"]
        caches.append(Cache(fields, _records(items, i), shared=set(fields[:5])))
    write_workbook(path, sheets={"Ålder": [["Inskrivna arbetslösa efter ålder (handgjord)"]]},
                   caches=caches)
    with zipfile.ZipFile(path) as z:
        return {i.filename: i.file_size for i in z.infolist() if "Records" in i.filename}


def read_once(path: str) -> None:
    """In this process: read the file, print rows, seconds and peak RSS (MB) as JSON."""
    import resource

    from transforms.staging_af import read_sok_lan_kom

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    rows = read_sok_lan_kom(Path(path), FILE)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(rows), "seconds": seconds, "cpu_seconds": cpu,
                      "peak_rss_mb": peak,
                      "masked": int((rows["insal_masked_below"] > 0).sum())}))


def _baseline() -> float:
    """Peak RSS of a process that only imports the reader (Python, numpy, pandas)."""
    code = ("import resource, transforms.staging_af; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return float(out.stdout)


def main(keep: Path | None = None) -> str:
    """Build, read in a fresh process, write and return the Markdown result."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE
        t0 = time.perf_counter()
        sizes = build(path)
        built = time.perf_counter() - t0
        out = subprocess.run([sys.executable, "-m", "bench.bench_af", "--read", str(path)],
                             cwd=ROOT, check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        zipped = path.stat().st_size
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() \
        else "?"
    base = _baseline()
    largest = max(sizes.values())
    run = (f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on "
           f"{platform.python_implementation()} {platform.python_version()}, "
           f"{platform.machine()}; a shared 2-core machine (load average {load} when the read "
           "ended: other jobs running), so wall times are indicative. Goal: peak RSS under "
           "300 MB, under 60 s.")
    parts = ", ".join(f"{name.rsplit('/', 1)[-1]} {size / 1e6:.0f} MB"
                      for name, size in sorted(sizes.items()))
    shape = ("A hand-made web-sok-lan-kom-shaped workbook (bench/bench_af.py; built in "
             f"{built:.0f} s, never committed): {zipped / 1e6:.0f} MB zipped, records parts "
             f"{parts} unpacked (largest {largest / 1e6:.0f} MB).")
    cpu = f"{result['cpu_seconds']:.1f} s"
    lines = ["# Arbetsförmedlingen reader: memory and time", "", run, "", shape, "",
             "| measure | value |", "|---|---:|",
             f"| rows read (three caches) | {result['rows']:,} |",
             f"| '<5' rows kept as flagged lower bounds | {result['masked']:,} |",
             f"| wall time of read_sok_lan_kom | {result['seconds']:.1f} s |",
             f"| CPU time of read_sok_lan_kom (less sensitive to other jobs) | {cpu} |",
             f"| peak RSS of the reading process | {result['peak_rss_mb']:.0f} MB |",
             f"| of which Python + numpy + pandas at import | {base:.0f} MB |"]
    return report.write(RESULTS, lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--read", help="read this file and report (used by the bench itself)")
    parser.add_argument("--keep", type=Path, help="build the workbook in this folder and keep it")
    args = parser.parse_args()
    if args.read:
        read_once(args.read)
    else:
        main(args.keep)
