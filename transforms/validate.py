"""Checks at the boundary: is a complete answer from a source fit to publish? Pure functions.

The refresh runs these on every dataset after all its responses arrived and before the
snapshot is committed (warehouse/fetch.py). A dataset that fails keeps its previous snapshot,
so nothing half-parsed reaches staging. Each check raises :class:`InvalidBody` with a Swedish
message naming the offending row, field or code; the caller adds the source and the URL.

What is checked, in one place rather than as special cases in staging:
- Kolada rows: the documented fields (``kpi``, ``municipality``, ``period``, ``values`` with
  ``gender``, ``value``, ``status``) are present and typed (a code is a string, never a number
  that lost its leading zero; a value is a number or null); every municipality id is one
  Kolada lists (or an old code in kommun_changes.csv); no kpi × municipality × year × gender
  twice; the KPI's rows are the KPI asked for.
- json-stat2: ``id``/``size``/``dimension`` agree, every dimension and code is one the table's
  metadata has (a renamed dimension or an unknown region fails), codes are strings and unique,
  the values fit the size and are numbers or null, and the dataset is not empty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

GENDERS = {"T", "K", "M"}
GENDER_BITS = {"T": 1, "K": 2, "M": 4}  # kolada_rows: a row's genders as bits
MAX_NAMED = 5  # offending items named in a message


class InvalidBody(ValueError):
    """A complete, parseable answer whose content cannot be published (Swedish message)."""


def _named(items: Iterable[object]) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:MAX_NAMED])
    return shown + (f" och {len(items) - MAX_NAMED} till" if len(items) > MAX_NAMED else "")


def _is_number(value: object) -> bool:
    try:  # an integer beyond a float's range (JSON allows any length) is not a usable value
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(float(value)))
    except OverflowError:
        return False



def kolada_rows(body: Mapping, *, kpi: str | None = None, known_ids: set[str] | None = None,
                seen: set[tuple] | None = None) -> int:
    """Check one Kolada data page; return its number of values.

    ``seen`` carries the (kpi, municipality, year) keys of earlier pages of the same dataset,
    so a row repeated across pages is caught too. Written as one pass with cheap type tests:
    it runs on every value of every refresh (about 500 000).
    """
    entries = body.get("values")
    if not isinstance(entries, list):
        raise InvalidBody("listan 'values' saknas")
    seen = set() if seen is None else seen
    unknown: set[str] = set()
    good: set[str] = set()  # codes already found to be four digits and known on this page
    bit_of = GENDER_BITS.get
    n = 0
    for i, entry in enumerate(entries, 1):
        try:
            muni, period, values, entry_kpi = (entry["municipality"], entry["period"],
                                               entry["values"], entry["kpi"])
        except (KeyError, TypeError):
            _bad_entry(i, entry)
        if type(muni) is not str or muni not in good:
            if type(muni) is not str or len(muni) != 4 or not muni.isdigit():
                _bad_code(i, muni)
            if known_ids is not None and muni not in known_ids:
                unknown.add(muni)
            else:
                good.add(muni)
        if type(entry_kpi) is not str or (kpi is not None and entry_kpi != kpi):
            raise InvalidBody(f"rad {i}: nyckeltalet {entry_kpi!r}, men {kpi} efterfrågades")
        if type(period) is not int and not (type(period) is str and len(period) == 4
                                            and period.isdigit()):
            raise InvalidBody(f"rad {i}: året {period!r} är inte ett årtal")
        before = len(seen)  # one hash of the key, not two ("in", then "add")
        seen.add((entry_kpi, muni, period if type(period) is int else int(period)))
        if len(seen) == before:
            raise InvalidBody(f"dubbla rader för {entry_kpi} {muni} {period}")
        if type(values) is not list:
            raise InvalidBody(f"rad {i}: 'values' är inte en lista")
        had = twice = 0  # genders of this row so far, and those met twice, as bits
        for v in values:
            try:
                gender, value = v["gender"], v["value"]
            except (KeyError, TypeError):
                raise InvalidBody(f"rad {i} ({muni} {period}): ett värde saknar 'gender' "
                                  "eller 'value'") from None
            bit = bit_of(gender)  # (an unhashable gender: TypeError, as "in" gave)
            if bit is None:
                raise InvalidBody(f"rad {i} ({muni} {period}): okänt kön {gender!r}")
            # a finite float passes at once (x - x == 0 fails for NaN and ±inf)
            if value is not None and not (type(value) is float and value - value == 0) \
                    and not _is_number(value):
                raise InvalidBody(f"rad {i} ({muni} {period}): värdet {value!r} är inte "
                                  "ett tal")
            status = v.get("status")
            if type(status) is not str and status is not None:
                raise InvalidBody(f"rad {i} ({muni} {period}): status {status!r} är inte text")
            twice |= had & bit
            had |= bit
        if twice:
            raise InvalidBody(f"dubbla rader för {entry_kpi} {muni} {period} (samma kön två "
                              "gånger)")
        n += len(values)
    if unknown:
        raise InvalidBody(f"okända kommunkoder {_named(sorted(unknown))} (finns inte i Koladas "
                          "kommunlista eller bland gamla koder i kommun_changes.csv)")
    return n


def _bad_entry(i: int, entry: object) -> None:
    if not isinstance(entry, Mapping):
        raise InvalidBody(f"rad {i} är inte ett objekt")
    missing = [k for k in ("kpi", "municipality", "period", "values") if k not in entry]
    raise InvalidBody(f"rad {i} saknar fälten {_named(missing)} (har {_named(sorted(entry))}); "
                      "har källan bytt namn på dem?")


def _bad_code(i: int, muni: object) -> None:
    if not isinstance(muni, str):
        raise InvalidBody(f"rad {i}: kommunkoden {muni!r} är ett tal, inte en sträng (en "
                          "inledande nolla kan ha försvunnit)")
    raise InvalidBody(f"rad {i}: kommunkoden {muni!r} har inte fyra siffror")


def kolada_municipalities(body: Mapping) -> set[str]:
    """Check one page of Kolada's municipality list; return its ids."""
    entries = body.get("values")
    if not isinstance(entries, list):
        raise InvalidBody("listan 'values' saknas")
    ids: set[str] = set()
    for i, row in enumerate(entries, 1):
        if not isinstance(row, Mapping) or not {"id", "title", "type"} <= set(row):
            raise InvalidBody(f"rad {i} saknar 'id', 'title' eller 'type'")
        code = row["id"]
        if not isinstance(code, str) or not (len(code) == 4 and code.isdigit()):
            raise InvalidBody(f"rad {i}: id {code!r} är inte en kod med fyra siffror som text")
        if row["type"] not in {"K", "L"}:
            raise InvalidBody(f"rad {i} ({code}): okänd typ {row['type']!r}")
        if not isinstance(row["title"], str) or not row["title"].strip():
            raise InvalidBody(f"rad {i} ({code}): namnet saknas")
        if code in ids:
            raise InvalidBody(f"kommunkoden {code} förekommer två gånger")
        ids.add(code)
    return ids


def kolada_kpis(body: Mapping) -> set[str]:
    """Check one page of KPI metadata; return the KPI ids."""
    entries = body.get("values")
    if not isinstance(entries, list):
        raise InvalidBody("listan 'values' saknas")
    ids: set[str] = set()
    for i, row in enumerate(entries, 1):
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) \
                or not isinstance(row.get("title"), str):
            raise InvalidBody(f"rad {i}: nyckeltalet saknar id eller titel som text")
        ids.add(row["id"])
    return ids


def jsonstat_dataset(body: Mapping, metadata: Mapping | None = None, *,
                     free: Iterable[str] = ()) -> int:
    """Check one json-stat2 data body against the table's metadata; return its cell count.

    ``free`` names dimensions whose codes come from a codelist (value set or aggregation) the
    metadata does not enumerate: their codes are not compared with the metadata.
    """
    for key in ("id", "size", "dimension"):
        if key not in body:
            raise InvalidBody(f"json-stat2 utan '{key}'")
    ids, sizes, dims = body["id"], body["size"], body["dimension"]
    if not (isinstance(ids, list) and isinstance(sizes, list) and isinstance(dims, Mapping)) \
            or len(ids) != len(sizes):
        raise InvalidBody("json-stat2: 'id' och 'size' stämmer inte överens")
    known_dims = list((metadata or {}).get("dimension") or {})
    free = set(free)
    for dim, size in zip(ids, sizes, strict=True):
        if not isinstance(dim, str) or dim not in dims:
            raise InvalidBody(f"json-stat2: dimensionen {dim!r} beskrivs inte")
        if known_dims and dim not in known_dims:
            raise InvalidBody(f"okänd dimension {dim!r}; tabellen har {_named(known_dims)} "
                              "(har källan bytt namn på den?)")
        category = (dims[dim] or {}).get("category") or {}
        index = category.get("index")
        codes = list(index) if isinstance(index, list | Mapping) else None
        if codes is None:
            raise InvalidBody(f"{dim}: kategorierna saknas")
        numbers = [c for c in codes if not isinstance(c, str)]
        if numbers:
            raise InvalidBody(f"{dim}: koderna {_named(numbers)} är tal, inte text (en "
                              "inledande nolla kan ha försvunnit)")
        if len(set(codes)) != len(codes):
            twice = sorted({c for c in codes if codes.count(c) > 1})
            raise InvalidBody(f"{dim}: koderna {_named(twice)} förekommer flera gånger")
        if not isinstance(size, int) or size != len(codes):
            raise InvalidBody(f"{dim}: storleken {size!r} men {len(codes)} koder")
        meta_codes = (((metadata or {}).get("dimension") or {}).get(dim) or {}) \
            .get("category", {}).get("index")
        if meta_codes is not None and dim not in free:
            unknown = [c for c in codes if c not in meta_codes]
            if unknown:
                raise InvalidBody(f"{dim}: okända koder {_named(unknown)}; tabellen har dem inte")
    cells = math.prod(sizes) if sizes else 0
    if cells == 0:
        raise InvalidBody("svaret innehåller inga värden")
    values = body.get("value")
    if isinstance(values, list):
        if len(values) != cells:
            raise InvalidBody(f"{len(values)} värden men storleken säger {cells}")
        items = values
    elif isinstance(values, Mapping):
        bad = [k for k in values if not (str(k).isdigit() and int(k) < cells)]
        if bad:
            raise InvalidBody(f"värden på positioner utanför tabellen: {_named(bad)}")
        items = list(values.values())
    else:
        raise InvalidBody("json-stat2 utan 'value'")
    wrong = [v for v in items if v is not None and not _is_number(v)]
    if wrong:
        raise InvalidBody(f"värdena {_named(wrong)} är inte tal")
    return cells
