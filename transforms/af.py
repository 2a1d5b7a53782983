"""Arbetsförmedlingen's staged files -> marts: kommun × month × group, and the unknown rows.

Pure pandas. Inputs come from ``transforms/staging_af.py``; names become codes with
``transforms/af_names.py``. The share is inskrivna arbetslösa (SOK) / arbetskraften (AK) per
group. "Uppgift saknas" rows never become a kommun: they are kept per län (or with unknown län)
so that the generic monthly layer (indicators.yml ``monthly_marts.af``, aggregated by
``transforms.areas.aggregate``) adds them to their län's total and to Riket, and an area's
share is Σ SOK / Σ AK. A "<5" count stays missing with a flag; any sum that includes one is a
lower bound.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from transforms.af_names import NameIndex, is_unknown, map_names
from transforms.kommun import code_changes
from transforms.staging_af import AfLayoutError, AndelAvBas, spec

KOMMUN_COLUMNS = ["kommun_code", "period", "group_code", "population_group", "sex", "age_band",
                  "inskrivna_count", "inskrivna_is_masked", "inskrivna_masked_below",
                  "labour_force_count",
                  "inskrivna_share", "denominator", "is_series_break", "source_lan_code",
                  "is_preliminary", "table_id", "source_updated"]
UNALLOCATED_COLUMNS = ["lan_code", "period", "group_code", "population_group", "sex",
                       "inskrivna_count", "inskrivna_is_masked", "n_masked", "is_derivable",
                       "source", "table_id"]
AGE_ITEM = re.compile(r"^\s*(\d{1,2})\s*[-–—]\s*(\d{1,2})\b")


def _periods_as_dates(values: pd.Series) -> pd.Series:
    """Months (datetime64 or a categorical of them) -> python dates (DuckDB DATE), converted
    once per distinct month."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.array([pd.Timestamp(c).date() for c in values.cat.categories] + [None],
                          dtype=object)
        codes = values.cat.codes.to_numpy()
        return pd.Series(lookup[np.where(codes >= 0, codes, len(lookup) - 1)],
                         index=values.index, dtype=object)
    unique = pd.unique(values)
    lookup = {v: pd.Timestamp(v).date() for v in unique}
    return values.map(lookup).astype(object)


def group_table() -> pd.DataFrame:
    """af.yml's groups: group_code, population_group, sex, age (which band), group_label."""
    return pd.DataFrame([{"group_code": g, "population_group": d["population"], "sex": d["sex"],
                          "age": d["age"], "group_label": d["label"]}
                         for g, d in spec()["groups"].items()])


def denominator(periods: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per period: the denominator in force, and True on the first period after a break."""
    out = pd.Series("BAS (preliminär)", index=periods.index, dtype=object)
    first = pd.Series(False, index=periods.index)
    for brk in spec()["series_breaks"]:
        start = date.fromisoformat(f"{brk['first_period']}-01")
        out = out.where(periods >= start, brk["denominator_before"])
        out = out.where(periods < start, brk["denominator_after"])
        first = first | (periods == start)
    return out, first


def map_geography(labels: pd.Series, index: NameIndex, *, file_name: str, field: str
                  ) -> pd.Series:
    """Source labels -> codes (None for 'Uppgift saknas'); UnmappedNames lists the rest.

    Each distinct label is looked up once; a missing label counts as unmapped ('(tom)').
    """
    cat = labels if isinstance(labels.dtype, pd.CategoricalDtype) else labels.astype("category")
    cats = list(cat.cat.categories)
    codes = cat.cat.codes.to_numpy()
    used = sorted(set(np.unique(codes[codes >= 0]).tolist()))
    asked = [cats[i] for i in used] + ([None] if (codes < 0).any() else [])
    mapping = map_names(asked, index, where=f"{file_name}, fältet {field}: ")
    lookup = np.array([mapping.get(c) for c in cats] + [None], dtype=object)
    return pd.Series(lookup[np.where(codes >= 0, codes, len(cats))], index=labels.index,
                     dtype=object)


def _lan_ok(kommun_code: pd.Series, lan_code: pd.Series) -> pd.Series:
    """A kommun row's län is its code's first two digits, or that of a code it once had."""
    old = {}
    for old_code, new_code in code_changes().items():
        old.setdefault(new_code, set()).add(old_code[:2])
    return pd.Series([lan is None or lan == k[:2] or lan in old.get(k, ())
                      for k, lan in zip(kommun_code, lan_code, strict=True)],
                     index=kommun_code.index)


def kommun_monthly(andel: AndelAvBas, kommun_index: NameIndex, lan_index: NameIndex
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """andel-av-bas -> (kommun mart, its own 'Uppgift saknas' rows) (grain: kommun × month × group).

    Raises AfLayoutError when a kommun sits in another län than its code says, or when a
    kommun appears twice for the same month.
    """
    rows = andel.rows
    file_name = str(rows["file_name"].iloc[0])
    kommun = map_geography(rows["kommun_label"], kommun_index, file_name=file_name, field="KOM")
    lan = map_geography(rows["lan_label"], lan_index, file_name=file_name, field="LAN")
    known = kommun.notna()
    df = pd.DataFrame({"kommun_code": kommun[known], "source_lan_code": lan[known],
                       "period": rows.loc[known, "period"], "group_code":
                       rows.loc[known, "group_code"].astype(str),
                       "sok": rows.loc[known, "sok_count"],
                       "below": rows.loc[known, "sok_masked_below"],
                       "ak": rows.loc[known, "ak_count"]})
    wrong = ~_lan_ok(df["kommun_code"], df["source_lan_code"])
    if wrong.any():
        bad = df.loc[wrong, ["kommun_code", "source_lan_code"]].drop_duplicates().head(5)
        raise AfLayoutError(file_name, f"pivotcache {andel.cache_part}", "kommun i fel län: " +
                            ", ".join(f"{r.kommun_code} under län {r.source_lan_code}"
                                      for r in bad.itertuples()))
    dup = df.duplicated(["kommun_code", "period", "group_code"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise AfLayoutError(file_name, f"pivotcache {andel.cache_part}",
                            f"kommun {first.kommun_code} förekommer flera gånger för "
                            f"{str(first.period)[:7]}: en rad per kommun och månad väntades")
    groups = group_table().set_index("group_code")
    out = df.join(groups, on="group_code")
    out["age_band"] = out["age"].map(andel.age_bands).astype(object)
    out["period"] = _periods_as_dates(out["period"])
    out["inskrivna_count"] = out["sok"].where(out["below"] == 0)
    out["inskrivna_is_masked"] = out["below"] > 0
    out["inskrivna_masked_below"] = out["below"].where(out["below"] > 0).astype("Int16")
    out["labour_force_count"] = out["ak"]
    out["inskrivna_share"] = share(out["inskrivna_count"], out["labour_force_count"])
    out["denominator"], out["is_series_break"] = denominator(out["period"])
    # the generic monthly layer's columns (indicators.yml, monthly_marts.af): the file a value
    # comes from, and no publication stamp (the files carry none that was verified)
    out["is_preliminary"] = False
    out["table_id"] = file_name
    out["source_updated"] = pd.Series(None, index=out.index, dtype="string")
    own_unknown = pd.DataFrame({"lan_code": lan[~known], "period": rows.loc[~known, "period"],
                                "group_code": rows.loc[~known, "group_code"].astype(str),
                                "sok": rows.loc[~known, "sok_count"],
                                "below": rows.loc[~known, "sok_masked_below"]})
    return (out[KOMMUN_COLUMNS].sort_values(["kommun_code", "group_code", "period"])
            .reset_index(drop=True), _unallocated_from_andel(own_unknown, file_name))


def share(count: pd.Series, base: pd.Series) -> pd.Series:
    """100 * count / base; NaN (never inf) where base is 0 or missing, or count is missing."""
    return 100 * count / base.where(base > 0)


def _unallocated_from_andel(rows: pd.DataFrame, file_name: str) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=UNALLOCATED_COLUMNS)
    rows = rows.assign(masked=rows["below"] > 0, lan_code=rows["lan_code"].fillna("??"))
    agg = rows.groupby(["lan_code", "period", "group_code"], as_index=False).agg(
        inskrivna_count=("sok", "sum"), n_masked=("masked", "sum"))
    groups = group_table().set_index("group_code")
    out = agg.join(groups, on="group_code")
    out["lan_code"] = out["lan_code"].replace("??", None)
    out["period"] = _periods_as_dates(out["period"])
    return out.assign(is_derivable=True, source="andel-av-bas", table_id=file_name,
                      inskrivna_is_masked=out["n_masked"] > 0)[UNALLOCATED_COLUMNS]


def _band(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = AGE_ITEM.match(str(text))
    return (int(m.group(1)), int(m.group(2))) if m else None


def band_items(items: list[str], band: str | None) -> list[str] | None:
    """The age items that exactly make up ``band`` ('18–24'), or None when they cannot.

    Items are labels such as '18-19 år' and '20-24 år'; together the chosen ones must cover
    every year of the band, each item lying inside it.
    """
    wanted = _band(band)
    if wanted is None:
        return None
    lo, hi = wanted
    chosen = sorted(((b, i) for i in items if (b := _band(i)) and lo <= b[0] and b[1] <= hi),
                    key=lambda x: x[0])
    year = lo
    for (a, b), _ in chosen:
        if a != year:
            return None
        year = b + 1
    return [i for _, i in chosen] if chosen and year == hi + 1 else None


def _sex_of(labels: pd.Categorical, file_name: str, where: str) -> pd.Series:
    words = {w: sex for sex, ws in spec()["sex_labels"].items() for w in ws}
    mapping, bad = {}, []
    for cat in labels.categories:
        key = str(cat).strip().casefold()
        if key in words:
            mapping[cat] = words[key]
        else:
            bad.append(str(cat))
    if bad:
        raise AfLayoutError(file_name, where, f"fältet KOEN ska vara Kvinnor eller Män, men har "
                            f"{', '.join(repr(b) for b in bad)}")
    return pd.Series(labels).map(mapping).astype(object)


def unallocated_from_sok(sok: pd.DataFrame, lan_index: NameIndex,
                         age_bands: dict[str, str | None]) -> pd.DataFrame:
    """web-sok-lan-kom's 'Uppgift saknas' kommun rows in the groups of andel-av-bas.

    Grain: län (None = unknown län) × month × group. A group whose items cannot be formed from
    the file (e.g. no age items that make up exactly 18–24) is marked is_derivable = False and
    has no count.
    """
    file_name = str(sok["file_name"].iloc[0])
    unknown = sok[sok["kommun_label"].map(is_unknown).astype(bool)]
    lan = map_geography(unknown["lan_label"], lan_index, file_name=file_name, field="LAN")
    sexes = _sex_of(pd.Categorical(unknown["sex_label"]), file_name, "fältet KOEN")
    base = pd.DataFrame({"lan_code": lan.fillna("??").to_numpy(),
                         "period": unknown["period"].to_numpy(),
                         "sex": sexes.to_numpy(), "dimension": unknown["dimension"].to_numpy(),
                         "item": unknown["item_label"].astype(str).to_numpy(),
                         "count": unknown["insal_count"].to_numpy(),
                         "masked": (unknown["insal_masked_below"] > 0).to_numpy()})
    frames = []
    groups = group_table()
    all_items = {dim: sorted(set(sok.loc[sok["dimension"] == dim, "item_label"].astype(str)))
                 for dim in sok["dimension"].cat.categories}
    for population, rule in spec()["unknown_rows"].items():
        dim = rule["dimension"]
        items = _rule_items(rule, population, all_items.get(dim, []), age_bands)
        part = base[base["dimension"] == dim]
        if items is not None:
            part = part[part["item"].isin(items)]
        for sex in ("T", "K", "M"):
            code = groups[(groups["population_group"] == population)
                          & (groups["sex"] == sex)]["group_code"].iloc[0]
            rows = part if sex == "T" else part[part["sex"] == sex]
            agg = rows.groupby(["lan_code", "period"], as_index=False).agg(
                inskrivna_count=("count", "sum"), n_masked=("masked", "sum"))
            if items is None:  # cannot be formed: keep the rows' existence, not a count
                agg = (base.groupby(["lan_code", "period"], as_index=False).size()
                       .drop(columns="size").assign(inskrivna_count=np.nan, n_masked=0))
            frames.append(agg.assign(group_code=code, population_group=population, sex=sex,
                                     is_derivable=items is not None))
    if not frames:
        return pd.DataFrame(columns=UNALLOCATED_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["lan_code"] = out["lan_code"].replace("??", None)
    out["period"] = _periods_as_dates(out["period"])
    out["n_masked"] = out["n_masked"].astype("int32")
    return out.assign(source="sok-lan-kom", table_id=file_name,
                      inskrivna_is_masked=out["n_masked"] > 0)[UNALLOCATED_COLUMNS]


def _rule_items(rule: dict, population: str, items: list[str],
                age_bands: dict[str, str | None]) -> list[str] | None:
    """Which items of a dimension make up a population group (None: cannot be formed)."""
    if rule["items"] == "all":
        return items
    if rule["items"] == "band":
        return band_items(items, age_bands.get(population))
    wanted = [p.casefold() for p in rule["items"]]
    return [i for i in items if any(i.strip().casefold().startswith(w) for w in wanted)] or None


def sok_kommun_totals(sok: pd.DataFrame, kommun_index: NameIndex) -> pd.DataFrame:
    """web-sok-lan-kom summed over age per kommun, month and sex (for the cross-check).

    Columns: kommun_code, period, sex, known (Σ exact counts), n_masked, slack (Σ of the most
    each '<N' can hide, N − 1).
    """
    file_name = str(sok["file_name"].iloc[0])
    age = sok[sok["dimension"] == "ALDGR"]
    kommun = map_geography(age["kommun_label"], kommun_index, file_name=file_name,
                           field="KOMMUN_BESKR")
    keep = kommun.notna()
    age = age[keep]
    sexes = _sex_of(pd.Categorical(age["sex_label"]), file_name, "fältet KOEN")
    below = age["insal_masked_below"].to_numpy()
    df = pd.DataFrame({"kommun_code": kommun[keep].to_numpy(), "period": age["period"].to_numpy(),
                       "sex": sexes.to_numpy(),
                       "known": np.nan_to_num(age["insal_count"].to_numpy()),
                       "n_masked": (below > 0).astype(int),
                       "slack": np.where(below > 0, below - 1, 0)})
    by_sex = df.groupby(["kommun_code", "period", "sex"], as_index=False)[
        ["known", "n_masked", "slack"]].sum()
    total = by_sex.groupby(["kommun_code", "period"], as_index=False)[
        ["known", "n_masked", "slack"]].sum().assign(sex="T")
    out = pd.concat([by_sex, total], ignore_index=True)
    out["period"] = _periods_as_dates(out["period"])
    return out


def check_overlap(kommun: pd.DataFrame, sok_totals: pd.DataFrame) -> pd.DataFrame:
    """Kommun-months where andel-av-bas TOT/KVI/MAN SOK and web-sok-lan-kom disagree.

    Both are intervals where '<N' hides a count (0 … N−1); they disagree when the intervals do
    not meet. Returns kommun_code, period, sex, andel (count or '<N'), sok_low, sok_high.
    """
    a = kommun[kommun["group_code"].isin(["TOT", "KVI", "MAN"])]
    a = a.assign(sex=a["group_code"].map({"TOT": "T", "KVI": "K", "MAN": "M"}))
    merged = a.merge(sok_totals, on=["kommun_code", "period", "sex"], how="inner")
    a_lo = merged["inskrivna_count"].fillna(0)
    a_hi = merged["inskrivna_count"].fillna(merged["inskrivna_masked_below"].astype(float) - 1)
    s_lo = merged["known"]
    s_hi = merged["known"] + merged["slack"]
    bad = merged[(a_hi < s_lo) | (s_hi < a_lo)]
    return pd.DataFrame({"kommun_code": bad["kommun_code"], "period": bad["period"],
                         "sex": bad["sex"], "andel": bad["inskrivna_count"],
                         "sok_low": bad["known"], "sok_high": bad["known"] + bad["slack"]})
