"""SCB frames: decoded json-stat2 -> staging (cast, rename, codes and labels kept) -> mart shape.

Pure pandas, no I/O and no joins. The input is what ``transforms.jsonstat.decode`` (or
``join_parts``) returns; which variable is region, sex, age, … and which ContentsCode is which
measure come from the dataset's entry in ``data_sources/scb_datasets.yml`` and are passed in as
plain mappings (a table whose codes are not verified yet may name a measure by its label).
Labels kept in staging come from the data body, which is Swedish.

Status symbols stay flags: a cell SCB marks ``..``, ``.`` or ``-`` has value NaN and its
symbol in ``status`` (``<measure>_status`` in the wide marts), never 0.

Staging columns (:func:`stage`): ``table_id``; per mapped variable ``<name>_code`` and
``<name>_label`` (names from the dataset's ``dimensions``; unmapped variables keep their own
code, lower-cased); ``contents_code``, ``contents_label``; ``period_code`` and either ``period``
(DATE, first day of the month or quarter) or ``year`` (INTEGER); ``value``; ``status``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

SEX = {"totsa": "T", "1+2": "T", "t": "T", "1": "M", "m": "M", "2": "K", "k": "K"}
PRELIMINARY_SYMBOLS = {"p", "P", "*"}
MEASURE_SUFFIX = "_status"


def _ascii(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def parse_periods(codes: pd.Series) -> tuple[str, pd.Series]:
    """('period', DATE first of month/quarter) or ('year', INTEGER) from PxWeb time codes."""
    text = codes.astype(str)
    unique = pd.Series(text.unique())
    if unique.str.fullmatch(r"\d{4}").all():
        return "year", text.astype("int64")
    month = unique.str.extract(r"^(\d{4})M(\d{2})$")
    quarter = unique.str.extract(r"^(\d{4})[KQ]([1-4])$")
    if month.notna().all().all():
        starts = [date(int(y), int(m), 1) for y, m in month.itertuples(index=False)]
    elif quarter.notna().all().all():
        starts = [date(int(y), int(q) * 3 - 2, 1) for y, q in quarter.itertuples(index=False)]
    else:
        raise ValueError(f"okända tidskoder: {sorted(unique)[:5]}")
    return "period", text.map(dict(zip(unique, starts, strict=True))).astype(object)


def region_level(codes: pd.Series) -> pd.Series:
    """riket ('00', 'SE'), lan (two digits), kommun (four digits), else 'other'."""
    text = codes.astype(str)
    return pd.Series(np.select([text.isin(["00", "SE", "0000"]), text.str.fullmatch(r"\d{2}"),
                                text.str.fullmatch(r"\d{4}")], ["riket", "lan", "kommun"],
                               "other"), index=codes.index, dtype="str")


def sex_code(codes: pd.Series) -> pd.Series:
    """T/K/M from SCB's TotSa/1/2 (män = 1 -> M, kvinnor = 2 -> K); unknown codes fail."""
    mapped = codes.astype(str).str.lower().map(SEX)
    if mapped.isna().any():
        raise ValueError(f"okända könskoder: {sorted(set(codes[mapped.isna()].astype(str)))}")
    return mapped.astype("str")


def stage(df: pd.DataFrame, *, table_id: str, dimensions: Mapping[str, str]) -> pd.DataFrame:
    """Decoded json-stat2 -> staging: renamed, typed, codes and labels kept (see module doc)."""
    dims = list(df.attrs.get("dims") or [c for c in df.columns if f"{c}_label" in df.columns])
    ours = {source: name for name, source in dimensions.items()}
    role = df.attrs.get("role") or {}
    time_dim = ours_key = None
    out = pd.DataFrame({"table_id": pd.Series([table_id] * len(df), dtype="str")})
    for dim in dims:
        name = ours.get(dim) or _ascii(dim)
        if dim in (role.get("time") or []) or name == "time":
            time_dim, ours_key = dim, name
            continue
        if dim in (role.get("metric") or []):
            name = "contents"
        out[f"{name}_code"] = df[dim].astype(str).to_numpy(dtype=object)
        out[f"{name}_label"] = df[f"{dim}_label"].astype(str).to_numpy(dtype=object)
    if time_dim is None:
        raise ValueError(f"{table_id}: ingen tidsvariabel bland {dims}")
    out["period_code"] = df[time_dim].astype(str).to_numpy(dtype=object)
    kind, values = parse_periods(out["period_code"])
    out[kind] = values.to_numpy()
    out["value"] = df["value"].astype(float).to_numpy()
    out["status"] = df["status"].to_numpy(dtype=object)
    out.attrs = {**df.attrs, "table_id": table_id, "time": ours_key}
    return out


def _keys(staged: pd.DataFrame) -> list[str]:
    skip = {"table_id", "contents_code", "contents_label", "value", "status", "period_code"}
    return [c for c in staged.columns if c not in skip]


def population_frame(staged: pd.DataFrame) -> pd.DataFrame:
    """Population in mart shape: one row per region × age × sex × period (or year).

    Columns: region_code, region_level (riket/lan/kommun), age_code, age_label, sex (T/K/M),
    sex_source_code, period (DATE) or year (INTEGER), population, status.
    """
    contents = staged["contents_code"].unique() if "contents_code" in staged else []
    if len(contents) > 1:
        raise ValueError(f"befolkningstabellen har flera innehåll: {list(contents)}")
    time = "period" if "period" in staged else "year"
    out = pd.DataFrame({
        "region_code": staged["region_code"], "region_level": region_level(staged["region_code"]),
        "age_code": staged["age_code"], "age_label": staged["age_label"],
        "sex": sex_code(staged["sex_code"]), "sex_source_code": staged["sex_code"],
        time: staged[time], "population": staged["value"], "status": staged["status"]})
    out.attrs = staged.attrs
    return out.reset_index(drop=True)


def match_measures(staged: pd.DataFrame, measures: Mapping[str, Mapping]) -> dict[str, str | None]:
    """Measure -> ContentsCode, by the code declared for the dataset (or, for a table whose
    codes are not verified yet, by a regex on its Swedish label).

    Each measure must match exactly one content (``optional`` ones may match none), and no
    content may serve two measures; the error lists the contents the table has.
    """
    contents = staged[["contents_code", "contents_label"]].drop_duplicates()
    table = staged.attrs.get("table_id", "?")
    found: dict[str, str | None] = {}
    for measure, spec in measures.items():
        if spec.get("code"):
            hits = contents[contents["contents_code"] == str(spec["code"])]
            wanted = str(spec["code"])
        else:
            pattern = re.compile(str(spec["label"]), re.IGNORECASE)
            hits = contents[contents["contents_label"].map(lambda s, p=pattern: bool(p.search(s)))]
            wanted = repr(spec["label"])
        if len(hits) > 1 or (hits.empty and not spec.get("optional")):
            have = [f"{c} {label}" for c, label in contents.itertuples(index=False)]
            raise ValueError(f"{table}: {measure} ({wanted}) matchar {len(hits)} innehåll; "
                             f"tabellen har {have}")
        found[measure] = None if hits.empty else str(hits["contents_code"].iloc[0])
    used = [c for c in found.values() if c is not None]
    if len(used) != len(set(used)):
        raise ValueError(f"{table}: två mått pekar på samma innehåll: {found}")
    return found


def _wide(staged: pd.DataFrame, measures: Mapping[str, Mapping], level: str | None
          ) -> pd.DataFrame:
    """One row per key, one value and one status column per measure; keys keep their labels.

    The keys are numbered once and each measure's cells are put in place by that number (no
    merge per measure: a full BAS fetch has millions of cells).
    """
    codes = match_measures(staged, measures)
    rows = staged if level is None else staged[region_level(staged["region_code"]) == level]
    rows = rows.reset_index(drop=True)
    keys = _keys(rows)
    group = rows.groupby(keys, sort=False, dropna=False, observed=True).ngroup().to_numpy()
    n = int(group.max()) + 1 if len(group) else 0
    first = np.full(n, len(rows), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(rows)))
    out = rows.loc[first, keys].reset_index(drop=True)
    contents = rows["contents_code"].to_numpy(dtype=object)
    value, status = rows["value"].to_numpy(dtype=float), rows["status"].to_numpy(dtype=object)
    for measure, code in codes.items():
        values, symbols = np.full(n, np.nan), np.full(n, None, dtype=object)
        if code:
            mask = contents == code
            at = group[mask]
            if len(np.unique(at)) != len(at):
                raise ValueError(f"{staged.attrs.get('table_id', '?')}: {measure} har flera "
                                 "värden för samma nyckel")
            values[at], symbols[at] = value[mask], status[mask]
        out[measure] = values
        out[measure + MEASURE_SUFFIX] = pd.Series(symbols, dtype=object)
    if level is not None:
        out = out.rename(columns={"region_code": f"{level}_code",
                                  "region_label": f"{level}_label"})
    else:
        out.insert(1, "region_level", region_level(out["region_code"]))
    return out


def _with_sex(out: pd.DataFrame) -> pd.DataFrame:
    if "sex_code" in out:
        out.insert(list(out.columns).index("sex_code"), "sex", sex_code(out["sex_code"]))
        out = out.rename(columns={"sex_code": "sex_source_code"})
    return out


def bas_frame(staged: pd.DataFrame, *, measures: Mapping[str, Mapping], preliminary: str = "none",
              level: str | None = "kommun") -> pd.DataFrame:
    """BAS (labour status) in mart shape: one row per kommun × sex × age × födelseregion × time.

    Columns: kommun_code, kommun_label (``level`` None keeps every region with region_level),
    sex (T/K/M), sex_source_code, sex_label, age_code, age_label, birth_region_code,
    birth_region_label, period (DATE) or year, then per declared measure (unemployment_rate,
    labour_force_count, unemployed_count) the value and ``<measure>_status``, is_preliminary.
    ``preliminary``: all (every value is preliminary), none, or status (symbol p or *).
    """
    out = _with_sex(_wide(staged, measures, level))
    statuses = out[[m + MEASURE_SUFFIX for m in measures]]
    if preliminary == "all":
        out["is_preliminary"] = True
    elif preliminary == "status":
        out["is_preliminary"] = statuses.isin(PRELIMINARY_SYMBOLS).any(axis=1)
    else:
        out["is_preliminary"] = False
    out.attrs = staged.attrs
    return out


BAS_KEYS = ["kommun_code", "sex", "age_code", "birth_region_code", "period"]


def prefer_final(frames: list[pd.DataFrame], keys: list[str] = BAS_KEYS) -> pd.DataFrame:
    """Preliminary and final rows in one frame: a final row (is_preliminary False) replaces the
    preliminary row with the same key; every other row is kept as it is.

    Grain: one row per key. The rows keep their own table_id, so the data says which a value is.
    """
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    both = pd.concat(frames, ignore_index=True)
    both = both.sort_values("is_preliminary", kind="stable")  # final first
    out = both.drop_duplicates(keys, keep="first")
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def integration_frame(staged: pd.DataFrame, *, measures: Mapping[str, Mapping],
                      level: str | None = "kommun") -> pd.DataFrame:
    """AA0003 integration in mart shape: one row per kommun × (sex, education) × vistelsetid ×
    skäl till invandring × year.

    Columns: kommun_code, kommun_label, the other variables' ``_code``/``_label`` (vistelsetid,
    skal, and sex as T/K/M with sex_source_code where the table has it), year, then per
    declared measure (forvarvsarbetande_share, inskrivna_arbetslosa_share and the counts where
    the table gives them) the value and ``<measure>_status``.
    """
    out = _with_sex(_wide(staged, measures, level))
    out.attrs = staged.attrs
    return out


def codelist_members(body: Mapping) -> pd.DataFrame:
    """A codelist's groups and members, one row per member (grain: group × member).

    Columns: codelist_id, group_code, group_label, member_code. A value set (no valueMap)
    maps each code to itself.
    """
    rows = [(str(body["id"]), str(v["code"]), str(v.get("label", v["code"])), str(member))
            for v in body["values"] for member in (v.get("valueMap") or [v["code"]])]
    return pd.DataFrame(rows, columns=["codelist_id", "group_code", "group_label",
                                       "member_code"], dtype=object)


def kommun_areas(body: Mapping) -> pd.DataFrame:
    """A regional codelist (``agg_RegionLA…``, ``agg_RegionKommungrupp2023-``) as kommun -> area.

    Columns: codelist_id, area_code, area_label, kommun_code. Fails when a member is not a
    four-digit kommun code or a kommun sits in two areas.
    """
    members = codelist_members(body).rename(columns={"group_code": "area_code",
                                                     "group_label": "area_label",
                                                     "member_code": "kommun_code"})
    bad = members[~members["kommun_code"].str.fullmatch(r"\d{4}")]
    if not bad.empty:
        raise ValueError(f"{body['id']}: medlemmar som inte är kommunkoder: "
                         f"{bad['kommun_code'].head().tolist()}")
    twice = members[members["kommun_code"].duplicated(keep=False)]
    if not twice.empty:
        raise ValueError(f"{body['id']}: kommuner i flera områden: "
                         f"{sorted(set(twice['kommun_code']))[:5]}")
    return members
