"""Arbetsförmedlingen in the build: staging and mart tables from the newest complete month.

Reads raw snapshots only. The month imported is the newest one for which every file the reader
uses is in the raw layer (``choose_month``); newer files still waiting for their partner are
named in the refresh log. A month whose files do not read as documented, whose names do not
map, or whose files disagree with each other is not published: the log says why (file, sheet
or cache, field) and the build takes the month before, so the previous data stay. Nothing of a
month is written unless all of it was read and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from data_sources.arbetsformedlingen import FILES, choose_month, month_snapshots
from data_sources.snapshot import Snapshot, latest_snapshot
from transforms import af
from transforms.af_names import NameIndex, UnmappedNames, build_index, is_unknown
from transforms.divisions import parse_kommunkopplingar
from transforms.staging_af import AfLayoutError, read_andel_av_bas, read_sok_lan_kom
from warehouse.scb_marts import region_labels

MAX_FALLBACK = 4  # earlier complete months tried (the raw layer keeps five per dataset)

COMMENTS = {
    "staging.af__andel_av_bas": "Arbetsförmedlingen web-inskrivna-arbetslosa-andel-av-bas: "
                                "pivotcachens rader, en per månad × län × kommun × grupp; "
                                "källans namn kvar",
    "staging.af__sok_lan_kom": "Arbetsförmedlingen web-sok-lan-kom: pivotcachernas rader "
                               "(ALDGR, FODLGRP, UTBILDNING); källans namn kvar",
    "marts.af_kommun_monthly": "Inskrivna arbetslösa (SOK) och arbetskraften (AK, BAS) per "
                               "kommun × månad × grupp, med andelen; '<5' markerat, aldrig 0 "
                               "eller 5",
    "marts.af_unallocated_monthly": "Inskrivna arbetslösa med okänd kommun ('Uppgift saknas') "
                                    "per län (null = okänt län) × månad × grupp: ingår i länet "
                                    "och riket, visas aldrig som kommun",
    "marts.af_group": "Grupperna i Arbetsförmedlingens filer (<g>SOK/<g>AK) med åldersband "
                      "lästa ur filens rubrik",
}
COLUMN_COMMENTS = {
    "inskrivna_count": "Inskrivna arbetslösa (öppet arbetslösa + sökande i program med "
                       "aktivitetsstöd), antal; null där källan visar '<5'",
    "inskrivna_is_masked": "Källan visar '<5': värdet är under 5 (nedre gräns vid summering)",
    "labour_force_count": "Arbetskraften (12-månaders medelvärde av BAS; RAMS före brottet), "
                          "antal med decimaler",
    "inskrivna_share": "Andel inskrivna arbetslösa av arbetskraften, procent (SOK / AK)",
    "table_id": "Filen värdet kommer från (Arbetsförmedlingens filnamn)",
    "age_band": "Åldersband enligt filens rubrik (antas aldrig)",
    "denominator": "Nämnarens källa: BAS (preliminär) eller RAMS",
}


@dataclass
class AfFrames:
    """What the AF part of a build writes: tables, snapshots read, summary and log lines."""

    tables: dict[str, tuple[pd.DataFrame, str]] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    log: list[tuple[str, bool, str]] = field(default_factory=list)  # (dataset, ok, message)
    keep_previous: bool = False  # no month could be read: copy the last warehouse's AF tables
    previous: Path | None = None  # the warehouse file whose AF tables are copied


def name_indexes(raw: Path, kommun: pd.DataFrame, municipality: pd.DataFrame,
                 lan_names: dict[str, str]) -> tuple[NameIndex, NameIndex]:
    """Kommun and län name indexes from every name the warehouse has (Kolada, SCB)."""
    kommun_names = list(zip(kommun["kommun_code"].astype(str), kommun["kommun_name"].astype(str),
                            strict=True))
    lan = list(lan_names.items())
    regions = municipality[(municipality["type"] == "L")
                           & (municipality["municipality_id"] != "0000")]
    lan += [(str(r.municipality_id)[2:], str(r.title)) for r in regions.itertuples()]
    for code, label in region_labels(raw).items():
        (kommun_names if len(code) == 4 else lan).append((code, label))
    snap = latest_snapshot(raw, "scb", "kommunkopplingar")
    if snap is not None:
        try:
            table = parse_kommunkopplingar(snap.files[0].read_bytes().decode("utf-8-sig"))
        except ValueError:
            table = None
        if table is not None:
            kommun_names += list(zip(table["kommun_code"], table["kommun_name"], strict=True))
            lan += list(zip(table["lan_code"], table["lan_short_name"], strict=True))
    valid = set(kommun["kommun_code"].astype(str))
    kommun_names = [(c, n) for c, n in kommun_names if c in valid]
    valid_lan = set(kommun["lan_code"].astype(str))
    return (build_index("kommun", kommun_names),
            build_index("lan", [(c, n) for c, n in lan if c in valid_lan]))


def _number(n: float) -> str:
    return f"{round(n):,}".replace(",", " ")


def read_month(snaps: dict[str, Snapshot], kommun_index: NameIndex, lan_index: NameIndex
               ) -> tuple[dict[str, tuple[pd.DataFrame, str]], dict, list[str]]:
    """Read, map and check one month's files; return tables, a summary and log lines.

    Raises AfLayoutError or UnmappedNames; nothing is returned half-read.
    """
    andel_snap, sok_snap = snaps["andel-av-bas"], snaps["sok-lan-kom"]
    andel_name = andel_snap.manifest["af"]["file_name"]
    sok_name = sok_snap.manifest["af"]["file_name"]
    month = andel_snap.manifest["af"]["month"]
    andel = read_andel_av_bas(andel_snap.files[0], andel_name)
    sok = read_sok_lan_kom(sok_snap.files[0], sok_name)
    kommun, own_unknown = af.kommun_monthly(andel, kommun_index, lan_index)
    unknown = own_unknown if not own_unknown.empty else \
        af.unallocated_from_sok(sok, lan_index, andel.age_bands)
    totals = af.sok_kommun_totals(sok, kommun_index)
    bad = af.check_overlap(kommun, totals)
    latest = pd.Timestamp(f"{month}-01").date()
    now = bad[bad["period"] == latest]
    if not now.empty:
        r = now.iloc[0]
        raise AfLayoutError(sok_name, "kontroll mot " + andel_name,
                            f"{len(now)} kommunvärden för {month} skiljer sig, t.ex. kommun "
                            f"{r.kommun_code} kön {r.sex}: SOK {r.andel} i andel-av-bas men "
                            f"{r.sok_low:g}–{r.sok_high:g} summerat över ålder i web-sok-lan-kom")
    lines = _messages(month, andel, kommun, unknown, sok, bad)
    groups = af.group_table().assign(age_band=lambda d: d["age"].map(andel.age_bands))
    tables = {
        "staging.af__andel_av_bas": (andel.rows, COMMENTS["staging.af__andel_av_bas"]),
        "staging.af__sok_lan_kom": (sok, COMMENTS["staging.af__sok_lan_kom"]),
        "marts.af_kommun_monthly": (kommun, COMMENTS["marts.af_kommun_monthly"]),
        "marts.af_unallocated_monthly": (unknown, COMMENTS["marts.af_unallocated_monthly"]),
        "marts.af_group": (groups, COMMENTS["marts.af_group"]),
    }
    periods = sorted(set(kommun["period"]))
    summary = {"month": month, "files": [andel_name, sok_name], "age_bands": andel.age_bands,
               "first_period": str(periods[0]), "last_period": str(periods[-1]),
               "kommuner": int(kommun["kommun_code"].nunique()),
               "extra_fields": andel.extra_fields, "heading": andel.heading[:300]}
    return tables, summary, lines


def _messages(month: str, andel, kommun: pd.DataFrame, unknown: pd.DataFrame,
              sok: pd.DataFrame, bad: pd.DataFrame) -> list[str]:
    latest = pd.Timestamp(f"{month}-01").date()
    bands = andel.age_bands
    lines = [f"importerade {month}: {kommun['kommun_code'].nunique()} kommuner, "
             f"{kommun['period'].nunique()} månader ({min(kommun['period'])} – "
             f"{max(kommun['period'])}); ålder {bands['total']} enligt filens rubrik"
             + (f", unga {bands['unga']}" if bands.get("unga") else "")
             + (f", äldre {bands['aldre']}" if bands.get("aldre") else "")]
    now = unknown[(unknown["period"] == latest) & (unknown["group_code"] == "TOT")]
    in_lan = now.loc[now["lan_code"].notna(), "inskrivna_count"].sum()
    no_lan = now.loc[now["lan_code"].isna(), "inskrivna_count"].sum()
    rows = sok[(sok["kommun_label"].map(is_unknown).astype(bool))
               & (sok["period"] == pd.Timestamp(latest)) & (sok["dimension"] == "ALDGR")]
    lines.append(f"Uppgift saknas i {month}: {_number(in_lan)} inskrivna med okänd kommun i "
                 f"känt län och {_number(no_lan)} med okänt län ({len(rows)} rader i "
                 f"web-sok-lan-kom); de räknas in i länen och riket, aldrig som kommun")
    masked = kommun[(kommun["period"] == latest) & kommun["inskrivna_is_masked"]]
    if not masked.empty:
        lines.append(f"{len(masked)} kommunvärden i {month} är '<5': sparade utan siffra och "
                     f"markerade (aldrig 0 eller 5); summor där de ingår är nedre gränser")
    older = bad[bad["period"] != latest]
    if not older.empty:
        lines.append(f"kontroll: {len(older)} äldre kommunvärden skiljer sig mellan "
                     f"andel-av-bas och web-sok-lan-kom (senast {max(older['period'])})")
    else:
        lines.append("kontroll: andel-av-bas och web-sok-lan-kom stämmer för varje kommun "
                     "och månad de har gemensamt")
    return lines


def load(raw: Path, *, kommun: pd.DataFrame, municipality: pd.DataFrame,
         lan_names: dict[str, str]) -> AfFrames:
    """AF tables for the newest complete month that reads cleanly (else nothing, with a log)."""
    frames = AfFrames()
    choice = choose_month(raw)
    if waiting := choice.waiting_message():
        frames.log.append(("månad", True, f"väntar: {waiting}"))
    if choice.month is None:
        if choice.waiting:
            frames.summary = {"status": "ingen månad med alla filer", "messages":
                              [m for _, _, m in frames.log]}
        return frames
    kommun_index, lan_index = name_indexes(raw, kommun, municipality, lan_names)
    for n, month in enumerate([choice.month, *choice.older[:MAX_FALLBACK]]):
        snaps = month_snapshots(raw, month)
        try:
            tables, summary, lines = read_month(snaps, kommun_index, lan_index)
        except (AfLayoutError, UnmappedNames) as exc:
            frames.log.append(("import", False, f"{month} publiceras inte: {exc}"))
            continue
        except (ValueError, KeyError, TypeError, IndexError, OSError) as exc:
            # anything else a file can provoke fails this source's month, never the build
            files = ", ".join(FILES.values())
            message = (f"{month} publiceras inte: oväntat fel vid läsningen av {files} "
                       f"({type(exc).__name__}: {exc})")
            frames.log.append(("import", False, message))
            continue
        frames.tables = tables
        frames.snapshots = [snaps[d] for d in FILES]
        frames.log.extend(("import", True, line) for line in lines)
        if n > 0:
            note = f"{choice.month} kunde inte läsas; {month} (tidigare data) används"
            frames.log.append(("import", False, note))
        frames.summary = {**summary, "status": "ok" if n == 0 else "äldre månad",
                          "messages": [m for _, _, m in frames.log]}
        return frames
    frames.keep_previous = True
    frames.summary = {"status": "misslyckades", "messages": [m for _, _, m in frames.log]}
    return frames


def keep_previous(frames: AfFrames, previous: Path) -> None:
    """When no month could be read, plan to carry the last warehouse's AF tables over.

    The dashboard then keeps the last published month however long the raw layer holds only
    unreadable files (the raw layer keeps five fetches; the warehouse keeps what was good).
    """
    if not frames.keep_previous:
        return
    files = None
    if Path(previous).exists():
        from warehouse.db import connect

        try:
            con = connect(previous)
            try:
                files = con.execute("select string_agg(distinct table_id, ', ') "
                                    "from marts.af_kommun_monthly").fetchone()[0]
            finally:
                con.close()
        except duckdb.Error:
            files = None
    frames.previous = Path(previous) if files else None
    message = (f"förra databasens tabeller från Arbetsförmedlingen behålls ({files})" if files
               else "ingen tidigare data från Arbetsförmedlingen att behålla")
    frames.log.append(("import", bool(files), message))
    frames.summary.setdefault("messages", []).append(message)


def write(con: duckdb.DuckDBPyConnection, frames: AfFrames) -> None:
    """Write the AF tables (periods as DATE, comments on the visible columns), or copy the
    previous warehouse's when ``keep_previous`` planned so."""
    from warehouse.db import write_table

    for name, (df, comment) in frames.tables.items():
        write_table(con, name, df, comment=comment, column_comments=COLUMN_COMMENTS)
        if name.startswith("staging.") and "period" in df.columns:
            con.execute(f"alter table {name} alter period type date")
    if frames.previous is not None and not frames.tables:
        _copy_previous(con, frames.previous)


def _copy_previous(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    from warehouse.db import _quote

    con.execute("attach ? as previous_warehouse (read_only)", [str(previous)])
    try:
        present = {f"{schema}.{table}" for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'previous_warehouse'").fetchall()}
        for name, comment in COMMENTS.items():  # table names from this module only
            if name not in present:
                continue
            schema = name.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create or replace table {name} as "
                        f"select * from previous_warehouse.{name}")
            con.execute(f"comment on table {name} is {_quote(comment)}")
    finally:
        con.execute("detach previous_warehouse")
