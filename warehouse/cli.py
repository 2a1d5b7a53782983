"""Command line: ``python -m warehouse refresh|build|status|series|areas|indicators|changes|pack``.

Exit codes: 0 ok, 1 a refresh that could not build a warehouse, 2 bad input (unknown ids,
missing warehouse), 3 (``status`` only) the last refresh built a warehouse but a source
failed: for a nightly job's alert.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import config


class _OnFirstUse:
    """A module imported when first used: ``refresh`` forks Kolada's client before pandas
    and DuckDB are loaded (warehouse/fetch_process.py), every other command loads them."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)


if TYPE_CHECKING:
    import pandas as pd

    from warehouse import queries
else:
    pd, queries = _OnFirstUse("pandas"), _OnFirstUse("warehouse.queries")


def connect(path: Path):
    """warehouse.db.connect, imported when first used."""
    from warehouse.db import connect as open_warehouse

    return open_warehouse(path)

AREA_HELP = ("kommun:<kod>, lan:<kod>, riket, la:<LA-kod>, fa:<nummer>, kommungrupp:<kod>, "
             "group:<namn eller id>")


class CliError(Exception):
    """Bad input: printed as a one-line message, exit code 2."""


def _open_warehouse():
    path = config.warehouse_path()
    if not path.exists():
        raise CliError(f"Ingen databas på {path}. Kör först: python -m warehouse refresh "
                       f"(eller med --mirror ../shared/data utan nätverk).")
    return connect(path)


# the code part of each area kind: what a valid id can look like, checked before any lookup
AREA_CODES = {"kommun": re.compile(r"\d{1,4}"), "lan": re.compile(r"\d{1,2}"),
              "la": re.compile(r"[A-Za-z0-9]{1,12}"), "fa": re.compile(r"\d{1,3}"),
              "kommungrupp": re.compile(r"[A-Za-z0-9]{1,4}")}
MAX_AREA_ID = 120


def resolve_area(con, area_id: str) -> queries.Area:
    """Turn an area id from the command line into an Area; CliError names the valid forms.

    Every id is checked against its kind's form and then against the warehouse (or the
    user's groups); anything else, however long or strange, is a CliError, never a crash.
    """
    if not isinstance(area_id, str) or len(area_id) > MAX_AREA_ID \
            or not area_id.isprintable():
        raise CliError(f"Ogiltigt område. Giltiga former: {AREA_HELP}")
    area_id = area_id.strip()
    kind, _, code = area_id.partition(":")
    kind, code = kind.lower(), code.strip()
    if kind == "group":
        from transforms.groups import GroupError, clean_name
        from warehouse import usergroups

        try:
            clean_name(code)
        except GroupError as exc:
            raise CliError(f"Ogiltigt gruppnamn: {' '.join(exc.problems)}") from exc
        usergroups.seed_suggestions(queries.kommuner(con))  # first start: offer suggestions
        try:
            return usergroups.as_area(usergroups.find(code))
        except LookupError as exc:
            raise CliError(f"Okänd grupp '{code}'. Se: python -m warehouse areas --kind group")\
                from exc
    if kind == "riket" and not code:
        return queries.area(con, "riket")
    pattern = AREA_CODES.get(kind)
    if pattern is None:
        raise CliError(f"Okänd områdestyp i '{area_id}'. Giltiga former: {AREA_HELP}")
    if not pattern.fullmatch(code):
        raise CliError(f"Ogiltig kod '{code}' för {kind}. Giltiga former: {AREA_HELP}")
    normalised = {"lan": f"lan:{code.zfill(2)}", "kommun": f"kommun:{code.zfill(4)}",
                  "la": f"la:{code.upper()}", "fa": f"fa:{code.lstrip('0') or '0'}",
                  "kommungrupp": f"kommungrupp:{code.upper()}"}[kind]
    try:
        return queries.area(con, normalised)
    except queries.UnknownArea as exc:
        raise CliError(f"Okänt område '{area_id}'. Se: python -m warehouse areas") from exc


def _indicator(con, indicator_id: str):
    try:
        return queries.indicator(con, indicator_id)
    except queries.UnknownIndicator as exc:
        raise CliError(f"Okänd indikator '{indicator_id}'. Se: python -m warehouse "
                       f"indicators") from exc


def _dims(args: argparse.Namespace) -> dict[str, str | None]:
    return {name: getattr(args, name, None) for name in _dimension_names()}


def _dimension_names() -> list[str]:
    """Every dimension of every monthly mart (age, birth_region, group …), in catalogue order."""
    from transforms.catalogue import monthly_marts

    names = ["age", "birth_region"]
    for mart in monthly_marts().values():
        names += [n for n in mart.get("dimensions") or {} if n not in names]
    return names


def cmd_series(args: argparse.Namespace) -> int:
    """Print period,value rows for one indicator and area, sorted by period."""
    con = _open_warehouse()
    ind = _indicator(con, args.indicator)
    if args.sex not in {"T", "K", "M"}:
        raise CliError("--sex ska vara T, K eller M")
    area = resolve_area(con, args.area)
    if ind.is_monthly:
        return _monthly_series(con, ind, area, args)
    if any(_dims(args).values()):
        given = ", ".join(f"--{n.replace('_', '-')}" for n, v in _dims(args).items() if v)
        raise CliError(f"{ind.id} är ett årsvärde utan indelning efter ålder, födelseregion "
                       f"eller grupp ({given})")
    from transforms import bounds

    df = queries.area_series(con, ind, area, args.sex)
    out = sys.stdout
    if args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        header = ["period", "value"] + (["n_reporting", "n_expected", "status",
                                         "is_lower_bound"] if args.coverage else [])
        writer.writerow(header)
        for row in df.itertuples():
            value = "" if row.value is None or row.value != row.value else repr(float(row.value))
            extra = [row.n_reporting, row.n_expected, row.status or "",
                     str(bounds.is_lower(row)).lower()] if args.coverage else []
            writer.writerow([row.year, value, *extra])
    else:
        from transforms.formatting import format_number

        print(f"# {ind.label} ({ind.short_unit}) – {area.name}, kön {args.sex}", file=out)
        print(f"# {ind.source_line}. {'' if area.is_kommun else _sentence(ind.area_method)}",
              file=out)
        for row in df.itertuples():
            cover = ""
            if row.status == "partial":
                cover = f"  ({row.n_reporting} av {row.n_expected} kommuner)"
            elif row.status == "withheld":
                cover = f"  (undanhållet: {row.n_reporting} av {row.n_expected} kommuner)"
            # a sum of counts without some members: at least this, as the screen says (numfix26)
            value = ("minst " if bounds.is_lower(row) else "") + format_number(row.value,
                                                                               ind.decimals)
            print(f"{row.year}  {value:>12}{cover}", file=out)
    return 0


def _monthly_series(con, ind, area: queries.Area, args: argparse.Namespace) -> int:
    """period (YYYY-MM),value rows of a monthly indicator, with its flags on request."""
    from transforms.monthly import DimensionError
    from transforms.periods import code

    try:
        df = queries.monthly_series(con, ind, area, args.sex, _dims(args))
    except DimensionError as exc:
        raise CliError(str(exc)) from exc
    out = sys.stdout
    if args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["period", "value"] + (
            ["n_reporting", "n_expected", "status", "is_preliminary", "table_id", "age",
             "is_lower_bound"] if args.coverage else []))
        for row in df.itertuples():
            value = "" if pd.isna(row.value) else repr(float(row.value))
            extra = [row.n_reporting, row.n_expected, row.status or "",
                     str(bool(row.is_preliminary)).lower(), _text(row.table_id),
                     _text(row.band), str(bool(row.is_lower_bound)).lower()] \
                if args.coverage else []
            writer.writerow([code(row.period, "month"), value, *extra])
        return 0
    from transforms.catalogue import monthly_marts
    from transforms.formatting import format_number
    from transforms.monthly import indicator_breaks

    print(f"# {ind.label} ({ind.short_unit}) – {area.name}, kön {args.sex}", file=out)
    print(f"# {ind.source_line}.", file=out)
    if ind.denominator_label:
        print(f"# Nämnare: {' '.join(ind.denominator_label.split())}.", file=out)
    for _, text in indicator_breaks(ind.breaks, df):
        print(f"# Seriebrott {text}.", file=out)
    if not area.is_kommun:
        note = " ".join(monthly_marts()[ind.mart].get("note", "").split())
        print(f"# {_sentence(ind.area_method)}. {note}".rstrip(), file=out)
    for row in df.itertuples():
        notes = [f"ålder {row.band}"]
        if row.status == "partial":
            notes.append(f"{row.n_reporting} av {row.n_expected} kommuner")
        elif row.status == "withheld":
            notes.append(f"undanhållet: {row.n_reporting} av {row.n_expected} kommuner")
        elif row.status == "masked":
            notes.append("dolt av källan: färre än 5")
        if row.is_lower_bound:
            notes.append("värdet är en nedre gräns")
        if monthly_marts()[ind.mart].get("tables"):  # a source with preliminary and final
            notes.append("preliminär" if row.is_preliminary else "slutlig")
        print(f"{code(row.period, 'month')}  {format_number(row.value, ind.decimals):>12}  "
              f"({', '.join(notes)})", file=out)
    return 0


def _sentence(text: str) -> str:
    """First letter upper case, the rest as written ('SCB:s' stays)."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def cmd_changes(args: argparse.Namespace) -> int:
    """List the values the sources revised, newest first (``--since`` a date)."""
    from datetime import date

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since).isoformat()
        except ValueError as exc:
            raise CliError(f"--since ska vara ett datum ÅÅÅÅ-MM-DD, inte '{args.since}'") from exc
    con = _open_warehouse()
    df = queries.revisions(con, since=since)
    out = sys.stdout
    if df.empty:
        print("Inga reviderade värden" + (f" sedan {since}." if since else "."), file=out)
        return 0
    names = dict(zip(*[queries.kommuner(con)[c] for c in ("kommun_code", "kommun_name")],
                     strict=True))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["seen_at", "indicator", "area", "period", "sex", "dims", "old", "new",
                     "old_published", "new_published", "old_table", "new_table"])
    for r in df.itertuples():
        writer.writerow([r.seen_at, r.indicator_id, f"{r.area_id} {names.get(r.kommun_code, '')}",
                         str(r.period)[:7], r.sex, r.dims, _number(r.old_value),
                         _number(r.new_value), _text(r.old_published), _text(r.new_published),
                         _text(r.old_table_id), _text(r.new_table_id)])
    return 0


def _number(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):g}"


def cmd_areas(args: argparse.Namespace) -> int:
    """List every area id with its name and number of members."""
    con = _open_warehouse()
    df = queries.areas(con, args.kind if args.kind != "group" else None)
    rows = [] if args.kind == "group" else [
        (r.area_id, r.area_name, r.n_members) for r in df.itertuples()
        if args.kind or r.area_kind != "kommun" or args.all]
    if args.kind in (None, "group"):
        from warehouse import usergroups

        usergroups.seed_suggestions(queries.kommuner(con))  # first start: offer suggestions
        rows += [(f"group:{g.group_id}", g.name, len(g.members)) for g in usergroups.list_groups()]
    for area_id, name, n in rows:
        print(f"{area_id}\t{name}\t{n} kommuner")
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    """List the indicator catalogue."""
    from transforms.catalogue import FREQUENCIES

    con = _open_warehouse()
    for ind in queries.indicators(con, args.group):
        if ind.is_monthly:
            span = f"{ind.first_period}–{ind.last_period}" if ind.first_period else "inga värden"
        else:
            span = f"{ind.first_year}–{ind.last_year}" if ind.first_year else "inga värden"
        print(f"{ind.id}\t{ind.label}\t{ind.short_unit}\t{ind.aggregation}\t"
              f"{FREQUENCIES[ind.frequency]}\t{span}\t{ind.source_line}")
    return 0


def status_lines(status: dict) -> list[str]:
    """A refresh status (warehouse.refresh.read_status) as lines for people.

    One line per source (counts), then one per failed dataset: when, why and the URL; and
    what the dashboard shows meanwhile.
    """
    lines = []
    for source, s in (status.get("sources") or {}).items():
        name = {"kolada": "Kolada", "scb": "SCB", "af": "Arbetsförmedlingen"}.get(source, source)
        line = f"{name}: {s['fetched']} hämtade, {s['failed']} misslyckades"
        if s.get("skipped"):
            line += f", {s['skipped']} finns inte i spegeln"
        lines.append(line)
        for f in s.get("failures") or []:
            when = str(f.get("at") or "")[:19].replace("T", " ")
            where = f" – {f['url']}" if f.get("url") else ""
            lines.append(f"  FEL {when} UTC {name}, {f['dataset']}: {f['message']}{where}")
        if s.get("failed"):
            lines.append(f"  {name}: tidigare hämtade data behålls för det som misslyckades.")
    for message in ((status.get("summary") or {}).get("af") or {}).get("messages") or []:
        lines.append(f"Arbetsförmedlingen: {message}")
    built = status.get("built")
    lines.append(("OK: " if built else "INGEN NY DATABAS: ") + str(status.get("build_message")))
    return lines


def cmd_refresh(args: argparse.Namespace) -> int:
    """Fetch every source (or the mirror) and rebuild the warehouse."""
    from warehouse.refresh import refresh

    mirror = Path(args.mirror) if args.mirror else None
    if mirror is not None and not mirror.is_dir():
        raise CliError(f"Spegelmappen finns inte: {mirror}")
    result = refresh(mirror, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    for line in status_lines(result.as_status()):
        print(line)
    return 0 if result.built else 1


def cmd_status(args: argparse.Namespace) -> int:
    """Print the last refresh's outcome; exit 3 when a source failed, 1 when none was built."""
    from warehouse.refresh import read_status

    status = read_status()
    if status is None:
        raise CliError(f"Ingen uppdatering har körts här ({config.warehouse_path()}).")
    print(f"Senaste uppdateringen: {str(status.get('at', ''))[:19].replace('T', ' ')} UTC"
          + (f" (spegel {status['mirror']})" if status.get("mirror") else ""))
    for line in status_lines(status):
        print(line)
    if not status.get("built"):
        return 1
    return 3 if any(s.get("failed") for s in (status.get("sources") or {}).values()) else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Rebuild the warehouse from the raw snapshots already on disk (no fetching)."""
    from warehouse.build import BuildError, build_warehouse

    try:
        summary = build_warehouse(config.raw_dir(), config.warehouse_path())
    except BuildError as exc:
        print(f"INGEN NY DATABAS: {exc}")
        return 1
    print(f"OK: {summary}")
    return 0


def _write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write every file or none: each to a temporary name beside it, then renamed."""
    temps = []
    try:
        for path, data in files:
            temp = path.with_name(f".{path.name}.tmp")
            temp.write_bytes(data)
            temps.append((temp, path))
        for temp, path in temps:
            temp.replace(path)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)


def cmd_pack(args: argparse.Namespace) -> int:
    """The meeting deck: PowerPoint (and PDF) for an area, a span of years and indicators."""
    import time

    from exports import deck

    out = Path(args.out)
    pdf = Path(args.pdf) if args.pdf else None
    for path in (out, pdf):
        if path is not None and not path.parent.is_dir():
            raise CliError(f"Mappen {path.parent} finns inte.")
    if out.suffix.lower() != ".pptx":
        raise CliError(f"--out ska sluta på .pptx (fick '{out.name}').")
    if pdf is not None and pdf.suffix.lower() != ".pdf":
        raise CliError(f"--pdf ska sluta på .pdf (fick '{pdf.name}').")
    template = Path(args.template) if args.template else None
    if template is not None and not template.is_file():
        raise CliError(f"Mallen {template} finns inte.")
    con = _open_warehouse()
    area = resolve_area(con, args.area)
    started = time.perf_counter()
    try:
        pptx, pdf_bytes, plan = deck.build(
            con, area, args.indicators or deck.warehouse_defaults(con), args.start, args.end,
            sex=args.sex, pdf=pdf is not None, template=template,
            progress=lambda step: print(f"  {step}…", file=sys.stderr))
    except deck.DeckError as exc:
        raise CliError(str(exc)) from exc
    _write_all([(out, pptx)] + ([(pdf, pdf_bytes)] if pdf is not None else []))
    slides = len(plan.slides)
    empty = [s.ind.id for s in plan.slides if s.missing]
    print(f"OK: {out}" + (f" och {pdf}" if pdf else "") + f" – {area.name}, {plan.drawn}, "
          f"{slides} nyckeltal" + (f" ({', '.join(empty)} utan värden)" if empty else "")
          + f", {time.perf_counter() - started:.1f} s")
    for line in plan.absent:  # monthly items without months for the area: on the title slide
        print(f"  {line}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    p = argparse.ArgumentParser(prog="python -m warehouse", description="Arbetsmarknadsläget")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("refresh", help="hämta källorna och bygg om databasen")
    r.add_argument("--mirror", help="mapp med spegeldata (t.ex. ../shared/data)")
    r.set_defaults(func=cmd_refresh)
    b = sub.add_parser("build", help="bygg om databasen från redan hämtade rådata")
    b.set_defaults(func=cmd_build)
    st = sub.add_parser("status", help="visa senaste uppdateringen (exit 3 om en källa fallerade)")
    st.set_defaults(func=cmd_status)
    s = sub.add_parser("series", help="skriv ut en tidsserie för ett område")
    s.add_argument("--indicator", required=True, help="t.ex. N03920 eller bas_arbetsloshet")
    s.add_argument("--area", required=True, help=AREA_HELP)
    s.add_argument("--sex", default="T", help="T (totalt), K eller M")
    s.add_argument("--format", choices=["table", "csv"], default="table")
    s.add_argument("--coverage", action="store_true", help="med täckning (csv)")
    s.add_argument("--age", help="månadsvärden: åldersgrupp, t.ex. 20-64, 16-24, 20-pension "
                                 "(följer pensionsåldern: 20-64, 20-65 från 2023, 20-66 från 2026)")
    s.add_argument("--birth-region", dest="birth_region",
                   help="månadsvärden: tot (samtliga), in (inrikes födda), ut (utrikes födda)")
    _dimension_arguments(s)
    s.set_defaults(func=cmd_series)
    a = sub.add_parser("areas", help="lista områden")
    a.add_argument("--kind", choices=["kommun", "lan", "riket", "la", "fa", "kommungrupp",
                                      "group"])
    a.add_argument("--all", action="store_true", help="ta med alla kommuner")
    a.set_defaults(func=cmd_areas)
    i = sub.add_parser("indicators", help="lista indikatorerna")
    i.add_argument("--group", help="målgrupp, t.ex. unga")
    i.set_defaults(func=cmd_indicators)
    c = sub.add_parser("changes", help="lista värden som källan reviderat")
    c.add_argument("--since", help="bara ändringar sedda detta datum eller senare (ÅÅÅÅ-MM-DD)")
    c.set_defaults(func=cmd_changes)
    k = sub.add_parser("pack", help="mötesunderlag: PowerPoint (och PDF) för ett område")
    k.add_argument("--area", required=True, help=AREA_HELP)
    k.add_argument("--from", dest="start", required=True, help="första år, t.ex. 2015")
    k.add_argument("--to", dest="end", required=True, help="sista år, t.ex. 2022")
    k.add_argument("--indicators", help="nyckeltal i ordning, komma-separerade, ett "
                                        "månadsmått med ett val som bas_arbetsloshet:16-24 "
                                        "(standard: som sidan Mötesunderlag, senaste "
                                        "månadens arbetslöshet där den finns, sedan "
                                        "arbetslöshet, bistånd och unga per år)")
    k.add_argument("--sex", default="T", choices=["T", "K", "M"], help="T (totalt), K eller M")
    k.add_argument("--out", required=True, help="PowerPoint-fil (.pptx)")
    k.add_argument("--pdf", help="samma underlag som PDF (kräver LibreOffice)")
    k.add_argument("--template", help="egen mall (.pptx eller .potx)")
    k.set_defaults(func=cmd_pack)
    return p


def _dimension_arguments(s: argparse.ArgumentParser) -> None:
    """An option per monthly dimension besides age and birth region (e.g. --group), from
    indicators.yml, so a new monthly source needs no code here."""
    from transforms.catalogue import monthly_marts

    seen = {"age", "birth_region"}
    for mart in monthly_marts().values():
        for name, spec in (mart.get("dimensions") or {}).items():
            if name in seen:
                continue
            seen.add(name)
            values = list(spec.get("values") or {}) + list(spec.get("series") or {})
            s.add_argument(f"--{name.replace('_', '-')}", dest=name,
                           help=f"månadsvärden ({mart.get('source', '')}): "
                                f"{str(spec.get('label', name)).lower()}, "
                                f"{', '.join(values)} (standard {spec['default']})")


def _sigpipe_for(command: str) -> None:
    """SIGPIPE, decided here once for a process started as ``python -m warehouse``: its
    default (end quietly) for a command whose output may go to ``| head``; left ignored,
    Python's own setting, for ``refresh``, which talks to servers: a connection a server resets
    is an error for that request (the source keeps its previous data), not a signal that ends
    the refresh half-way. The refresh's forked children inherit it (docs/decisions.md)."""
    import signal

    if command != "refresh" and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def before_exit() -> None:
    """Keep every object still alive out of the collections the interpreter runs at exit: they
    walked all of pandas', pyarrow's and DuckDB's objects once more, ~0.2-0.3 s of CPU and wall
    after a build or refresh (bench/results/build.md, "build25"). Objects are still freed and
    atexit handlers still run; only cycles left at exit are not looked for."""
    gc.freeze()


def main(argv: list[str] | None = None, *, command_line: bool = False) -> int:
    """Entry point; returns the exit code. ``command_line``: this process is
    ``python -m warehouse`` (its own, so it may decide SIGPIPE; a caller's process keeps its)."""
    args = parser().parse_args(argv)
    if command_line:
        _sigpipe_for(args.command)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"fel: {exc}", file=sys.stderr)
        return 2
