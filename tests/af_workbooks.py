"""Hand-made Arbetsförmedlingen workbooks in the layout ../shared/DOMAIN.md documents.

No real Arbetsförmedlingen file is reachable, so tests build their own: every count below is
made up (a seeded random split), named hand-made, and never shown in the dashboard. Only the
kommun and län names are real (Kolada's and SCB's, read from ../shared/data), because the
reader must map real spellings.

``scenario()`` makes one consistent set of people: per month, kommun, sex and age group in
``web-sok-lan-kom``; the same people summed into the <g>SOK counts of
``web-inskrivna-arbetslosa-andel-av-bas``; plus rows whose kommun or län is "Uppgift saknas".
``check_figures=True`` shapes 2026-08 to the published check figures in DOMAIN.md (Riket 349 398
inskrivna arbetslösa, 171 986 kvinnor and 177 412 män, 119 of them with unknown län; the kommuner's
TOTAK summing to 5 354 201,08), so the area sums can be tested against those targets.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import SHARED
from tests.xlsx_handmade import Cache, write_workbook

ANDEL_PREFIX = "web-inskrivna-arbetslosa-andel-av-bas"
SOK_PREFIX = "web-sok-lan-kom"
AGES = ["16-17 år", "18-19 år", "20-24 år", "25-29 år", "30-34 år", "35-39 år", "40-44 år",
        "45-49 år", "50-54 år", "55-59 år", "60-64 år"]
UNGA = {"18-19 år", "20-24 år"}
ALDRE = {"55-59 år", "60-64 år"}
BIRTH = ["Inrikes födda", "Utrikes födda"]
EDUCATION = ["Förgymnasial utbildning", "Gymnasial utbildning", "Eftergymnasial utbildning",
             "Uppgift saknas"]
SEXES = {"K": "Kvinnor", "M": "Män"}
UNKNOWN = "Uppgift saknas"
GROUPS = ["TOT", "KVI", "MAN", "UNG", "UNGK", "UNGM", "GAM", "GAMK", "GAMM", "INR", "INRK",
          "INRM", "UTR", "UTRK", "UTRM", "FG", "FGK", "FGM", "GY", "GYK", "GYM", "EG", "EGK",
          "EGM"]
GROUP_DEF = {"TOT": ("TOT", "KM"), "KVI": ("TOT", "K"), "MAN": ("TOT", "M")} | {
    f"{base}{suffix}": (base, sexes) for base in ("UNG", "GAM", "INR", "UTR", "FG", "GY", "EG")
    for suffix, sexes in (("", "KM"), ("K", "K"), ("M", "M"))}
AK_SHARE = {"TOT": 1.0, "UNG": 0.12, "GAM": 0.2, "INR": 0.8, "UTR": 0.2, "FG": 0.15, "GY": 0.45,
            "EG": 0.4}
# Published 2026-08 check figures (DOMAIN.md): the targets the hand-made numbers are shaped to.
RIKET_2026_08 = {"K": 171_986, "M": 177_412}
UNKNOWN_LAN_2026_08 = {"K": 57, "M": 62}  # 119 in all; the split by sex is made up
TOTAK_2026_08_CENTS = 535_420_108


def kommuner() -> list[tuple[str, str, str]]:
    """(kommun code, Kolada's name, SCB's län name) for the 290 kommuner, from ../shared/data."""
    muni = json.loads((SHARED / "kolada_v3/municipality.json").read_text("utf-8"))["values"]
    meta = json.loads((SHARED / "scb_v2/tables/TAB6471/metadata.json").read_text("utf-8"))
    lan = {c: n for c, n in meta["dimension"]["Region"]["category"]["label"].items()
           if len(c) == 2 and c != "00"}
    return sorted((m["id"], m["title"], lan[m["id"][:2]]) for m in muni if m["type"] == "K")


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` as ``parts`` non-negative integers (a made-up split)."""
    weights = [rng.random() + 0.05 for _ in range(parts)]
    return _allocate(total, weights)


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
            : total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class Scenario:
    """A hand-made population: people per (month, kommun, sex, age, birth, education)."""

    months: list[str]
    kommuner: list[tuple[str, str, str]]
    # (month, kommun code, sex) -> {"age": [...], "birth": [...], "education": [...]}
    people: dict = field(default_factory=dict)
    # (month, kommun code, group) -> arbetskraften (float, 2 decimals)
    ak: dict = field(default_factory=dict)
    # rows with unknown kommun: (month, län name or UNKNOWN, sex, {"age": …, …})
    unknown: list = field(default_factory=list)
    spelling: dict[str, str] = field(default_factory=dict)  # kommun code -> name in the files
    lan_spelling: dict[str, str] = field(default_factory=dict)  # SCB län name -> name in files

    def name(self, code: str, default: str) -> str:
        """The kommun's name as the files spell it."""
        return self.spelling.get(code, default)

    def lan(self, lan_name: str) -> str:
        """The län's name as the files spell it."""
        return self.lan_spelling.get(lan_name, lan_name)

    def sok(self, month: str, code: str, group: str) -> int:
        """The <g>SOK count (inskrivna arbetslösa) for one kommun and month."""
        base, sexes = GROUP_DEF[group]
        return sum(_group_count(base, self.people[(month, code, sex)]) for sex in sexes)


def _group_count(base: str, p: dict) -> int:
    if base == "TOT":
        return sum(p["age"])
    if base == "UNG":
        return sum(n for a, n in zip(AGES, p["age"], strict=True) if a in UNGA)
    if base == "GAM":
        return sum(n for a, n in zip(AGES, p["age"], strict=True) if a in ALDRE)
    if base in ("INR", "UTR"):
        return p["birth"][0 if base == "INR" else 1]
    return p["education"][{"FG": 0, "GY": 1, "EG": 2}[base]]


def _person_block(total: int, rng: random.Random) -> dict:
    return {"age": _split(total, len(AGES), rng), "birth": _split(total, 2, rng),
            "education": _split(total, len(EDUCATION), rng)}


def scenario(months: tuple[str, ...] = ("2026-07", "2026-08"), *, n_kommuner: int | None = None,
             check_figures: bool = False, seed: int = 8, unknown_kommun: int = 1000
             ) -> Scenario:
    """A hand-made consistent population (see the module docstring)."""
    rng = random.Random(seed)
    ks = kommuner()[:n_kommuner] if n_kommuner else kommuner()
    sc = Scenario(list(months), ks)
    lans = sorted({lan for _, _, lan in ks})
    for month in months:
        shaped = check_figures and month == "2026-08"
        for sex in "KM":
            unknown_lan = UNKNOWN_LAN_2026_08[sex] if shaped else rng.randint(20, 80)
            in_lan = _split(unknown_kommun // 2, len(lans), rng)
            for lan, n in zip(lans, in_lan, strict=True):
                sc.unknown.append((month, lan, sex, _person_block(n, rng)))
            sc.unknown.append((month, UNKNOWN, sex, _person_block(unknown_lan, rng)))
            known = (RIKET_2026_08[sex] - unknown_lan - sum(in_lan)) if shaped \
                else rng.randint(300, 600) * len(ks)
            per_kommun = _allocate(known, [rng.random() + 0.2 for _ in ks])
            for (code, _, _), n in zip(ks, per_kommun, strict=True):
                sc.people[(month, code, sex)] = _person_block(n, rng)
        cents = _allocate(TOTAK_2026_08_CENTS if shaped else 18_000 * 100 * len(ks),
                          [sc.sok(month, code, "TOT") + rng.random() for code, _, _ in ks])
        for (code, _, _), c in zip(ks, cents, strict=True):
            sc.ak[(month, code, "TOT")] = c / 100
            women = int(c * (0.45 + 0.1 * rng.random()))
            sc.ak[(month, code, "KVI")] = women / 100
            sc.ak[(month, code, "MAN")] = (c - women) / 100
            for g in GROUPS[3:]:
                base, sexes = GROUP_DEF[g]
                part = AK_SHARE[base] * (0.5 if len(sexes) == 1 else 1.0)
                sc.ak[(month, code, g)] = round(c * part) / 100
    return sc


def andel_workbook(path: Path, sc: Scenario, *, heading: str | None = None,
                   sheets: tuple[str, ...] = ("Antal", "Andel"), drop_fields: tuple = (),
                   rename: dict[str, str] | None = None, masked: dict | None = None,
                   unknown_rows: bool = False, copies: int = 1) -> Path:
    """A hand-made web-inskrivna-arbetslosa-andel-av-bas workbook.

    ``heading`` replaces the title row; ``masked`` maps (month, code, field) to '<5';
    ``unknown_rows`` adds 'Uppgift saknas' kommun rows (the documented file has none);
    ``copies`` > 1 writes the same cache again (pivot tables on two sheets keeping copies).
    """
    rename = rename or {}
    masked = masked or {}
    heading = heading or ("Inskrivna arbetslösa 16-64 år som andel av den registerbaserade "
                          "arbetskraften (BAS), per kommun")
    measures = [f"{g}{m}" for g in GROUPS for m in ("SOK", "AK")]
    fields = [f for f in ["PERIOD", "LAN", "KOM", *measures] if f not in drop_fields]

    def records():
        for month in sc.months:
            for code, name, lan in sc.kommuner:
                row = {"PERIOD": month, "LAN": sc.lan(lan), "KOM": sc.name(code, name)}
                for g in GROUPS:
                    row[f"{g}SOK"] = masked.get((month, code, f"{g}SOK"), sc.sok(month, code, g))
                    row[f"{g}AK"] = sc.ak[(month, code, g)]
                yield [row[f] for f in fields]
            if unknown_rows:
                for lan in sorted({lan for _, _, lan in sc.kommuner}):
                    row = {"PERIOD": month, "LAN": sc.lan(lan), "KOM": UNKNOWN}
                    row.update({f: 0 for f in measures})
                    row["TOTSOK"] = 3
                    yield [row[f] for f in fields]

    sheet_rows = [[heading], [], ["PERIOD", sc.months[-1]], [],
                  ["Län", "Kommun", "Totalt", "Kvinnor", "Män", "Unga 18-24", "Äldre 55-64",
                   "Inrikes födda", "Utrikes födda"]]
    caches = [Cache([rename.get(f, f) for f in fields], records(),
                    shared={rename.get(f, f) for f in ("PERIOD", "LAN", "KOM")})
              for _ in range(copies)]
    return write_workbook(path, sheets={s: sheet_rows for s in sheets}, caches=caches)


def sok_workbook(path: Path, sc: Scenario, *, drop_caches: tuple = (),
                 rename: dict[str, str] | None = None, masked: set | None = None,
                 order: tuple[str, ...] = ("UTBILDNING", "FODLGRP", "ALDGR")) -> Path:
    """A hand-made web-sok-lan-kom workbook: three caches (by default in the order the public
    ETL code reports: 1 UTBILDNING, 2 FODLGRP, 3 ALDGR), no sheet data.

    ``masked`` holds (month, code, dimension, item, sex) whose INSAL is written as '<5'
    (only where the count is 1–4).
    """
    rename = rename or {}
    masked = masked or set()
    items = {"ALDGR": ("age", AGES), "FODLGRP": ("birth", BIRTH),
             "UTBILDNING": ("education", EDUCATION)}

    def records(dim: str):
        key, labels = items[dim]
        for month in sc.months:
            for code, name, lan in sc.kommuner:
                for sex in "KM":
                    counts = sc.people[(month, code, sex)][key]
                    for label, n in zip(labels, counts, strict=True):
                        if n == 0:
                            continue  # a pivot cache holds the people there are
                        value = "<5" if (month, code, dim, label, sex) in masked and n < 5 else n
                        yield [month, SEXES[sex], sc.lan(lan), sc.name(code, name), label, value]
            for month_, lan, sex, block in sc.unknown:
                if month_ != month:
                    continue
                for label, n in zip(labels, block[key], strict=True):
                    if n:
                        yield [month, SEXES[sex], sc.lan(lan) if lan != UNKNOWN else UNKNOWN,
                               UNKNOWN, label, n]

    caches = []
    for dim in order:
        if dim in drop_caches:
            continue
        fields = [rename.get(f, f) for f in ["PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", dim,
                                             "INSAL"]]
        caches.append(Cache(fields, records(dim), shared=set(fields[:5])))
    sheets = {"Ålder": [["Inskrivna arbetslösa efter ålder"], ["PERIOD", sc.months[-1]]],
              "Födelseland": [["Inskrivna arbetslösa efter födelseland"]],
              "Utbildning": [["Inskrivna arbetslösa efter utbildningsnivå"]]}
    return write_workbook(path, sheets=sheets, caches=caches)


def file_names(month: str) -> tuple[str, str]:
    """The two file names of a month, as Arbetsförmedlingen names them."""
    return f"{ANDEL_PREFIX}-{month}.xlsx", f"{SOK_PREFIX}-{month}.xlsx"


def riket_total(sc: Scenario, month: str, sex: str | None = None) -> int:
    """Every person of the month (kommun rows and unknown rows) in the scenario."""
    known = sum(sum(p["age"]) for (m, _, s), p in sc.people.items()
                if m == month and (sex is None or s == sex))
    unknown = sum(sum(b["age"]) for m, _, s, b in sc.unknown
                  if m == month and (sex is None or s == sex))
    return known + unknown


PAGE = "statistik/sok-statistik/tidigare-statistik-tidsserier"


def page_html(files: list[tuple[str, str]]) -> str:
    """A hand-made copy of the page's shape: links /download/18.<id>/<timestamp>/<file>.

    ``files`` are (folder id, file name). Decoy links the reader must not take are added: the
    yearly-average variant, the older 'andel-av-reg' series and a file it does not read.
    """
    decoys = [("18.1a2b3c", "web-inskrivna-arbetslosa-andel-av-bas-arsmedelvarde-2025.xlsx"),
              ("18.4d5e6f", "web-inskrivna-arbetslosa-andel-av-reg-2022-12.xlsx"),
              ("18.7a8b9c", "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom-2026-08.xlsx")]
    items = "".join(
        f'<li><a href="/download/{folder}/1726573921834/{name}">{name}</a></li>'
        for folder, name in [*files, *decoys])
    return ("<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Tidigare "
            "statistik – tidsserier - Arbetsförmedlingen</title></head><body><main>"
            "<h1>Tidigare statistik – tidsserier</h1><ul>" + items + "</ul></main></body></html>")


def af_mirror(root: Path, files: dict[str, Path]) -> Path:
    """Lay out ``root/af/`` like the site: the page, and each file under download/18.<id>/…

    ``files`` maps the file name to a built workbook (copied in).
    """
    af = root / "af"
    links = []
    for i, (name, built) in enumerate(sorted(files.items())):
        folder = f"18.{i + 11:x}f{i * 7919 % 997:03x}"
        target = af / "download" / folder / "1726573921834" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(built).read_bytes())
        links.append((folder, name))
    page = af / PAGE
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(page_html(links), "utf-8")
    return af


def mirror_with_shared(root: Path) -> Path:
    """A mirror folder whose kolada_v3, scb_v2 and regions link to ../shared/data (real data)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("kolada_v3", "scb_v2", "regions"):
        link = root / name
        if not link.exists():
            link.symlink_to(SHARED / name, target_is_directory=True)
    return root
