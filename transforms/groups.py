"""User-defined kommun groups: parsing and validation (pure; storage is warehouse/usergroups.py).

Members may be given as kommun codes ("0780", "780") or names ("Växjö", "växjö"). Every
problem is reported in Swedish, naming the offending entry; nothing is silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from transforms.formatting import quoted

MAX_FILE_BYTES = 1_000_000
MAX_GROUPS = 200
MAX_NAME_LENGTH = 80
SHARED_AREA_ID = "group:__delad__"  # a group from a shared link, when it is the chosen area
MAX_ENTRY_SHOWN = 40  # characters of an offending entry quoted back in a message
MAX_PROBLEMS = 20  # problems listed; the rest are counted
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class GroupError(ValueError):
    """Invalid group input; ``problems`` lists the reasons, in Swedish (at most MAX_PROBLEMS,
    then how many more)."""

    def __init__(self, problems: list[str]):
        self.all_problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS],
                        f"… och {len(problems) - MAX_PROBLEMS} fel till."]
        super().__init__("; ".join(problems))
        self.problems = problems


def _shown(text: str) -> str:
    """An entry as quoted back to the user: control characters out, long text cut."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= MAX_ENTRY_SHOWN else text[:MAX_ENTRY_SHOWN] + "…"


@dataclass(frozen=True)
class GroupSpec:
    """A validated group: a name and today's kommun codes, in the order given."""

    name: str
    members: tuple[str, ...]
    note: str | None = field(default=None, compare=False)


def _fold(text: str) -> str:
    """Case- and whitespace-insensitive key for a kommun name ('Upplands Väsby')."""
    text = unicodedata.normalize("NFC", text).strip().casefold()
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s+kommun$", "", text)


def kommun_lookup(kommun: pd.DataFrame) -> dict[str, str]:
    """Key -> kommun code for codes (with and without the leading zero) and folded names."""
    lookup: dict[str, str] = {}
    for code, name in zip(kommun["kommun_code"], kommun["kommun_name"], strict=True):
        lookup[str(code)] = str(code)
        lookup[str(code).lstrip("0")] = str(code)
        lookup[_fold(str(name))] = str(code)
    return lookup


def clean_name(name: object) -> str:
    """A group name, trimmed; GroupError when it is not text, empty, too long or holds
    control characters."""
    if name is not None and not isinstance(name, str | int | float):
        raise GroupError(["Gruppens namn ska vara text."])
    text = re.sub(r"\s+", " ", str(name or "")).strip()
    if not text:
        raise GroupError(["Gruppen behöver ett namn."])
    if len(text) > MAX_NAME_LENGTH:
        raise GroupError([f"Namnet är för långt (högst {MAX_NAME_LENGTH} tecken)."])
    if _CONTROL.search(text):
        raise GroupError([f"Namnet {quoted(_shown(text))} innehåller otillåtna tecken."])
    return text


def resolve_members(entries: list[object], lookup: dict[str, str], *,
                    group: str = "") -> tuple[str, ...]:
    """Kommun codes for entries given as codes or names; GroupError lists every problem."""
    where = f" i gruppen {quoted(_shown(group))}" if group else ""
    problems, codes, seen = [], [], {}
    for raw in entries:
        if raw is not None and not isinstance(raw, str | int):
            problems.append(f"En kommun ska anges med kod eller namn, inte "
                            f"{_shown(str(raw))}{where}.")
            continue
        text = str(raw).strip() if raw is not None else ""
        if not text:
            continue
        code = lookup.get(text) or lookup.get(text.lstrip("0")) or lookup.get(_fold(text))
        if code is None:
            problems.append(f"Okänd kommun {quoted(_shown(text))}{where}.")
        elif code in seen:
            problems.append(f"{quoted(_shown(text))} förekommer flera gånger{where} (samma som "
                            f"{quoted(_shown(seen[code]))}).")
        else:
            seen[code] = text
            codes.append(code)
    if not codes and not problems:
        problems.append(f"Gruppen{(' ' + repr(group)) if group else ''} har inga kommuner.")
    if problems:
        raise GroupError(problems)
    return tuple(codes)


def split_members(text: str) -> list[str]:
    """Entries from free text: separated by commas, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,;\n]+", text or "") if part.strip()]


def _check_size(data: bytes | str) -> str:
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except UnicodeEncodeError as exc:
        raise GroupError(["Filen innehåller tecken som inte är giltig text."]) from exc
    if len(raw) > MAX_FILE_BYTES:
        size, limit = len(raw) // 1000, MAX_FILE_BYTES // 1000
        raise GroupError([f"Filen är för stor ({size} kB; högst {limit} kB)."])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_json(data: bytes | str, lookup: dict[str, str]) -> list[GroupSpec]:
    """Groups from our JSON export: {"groups": [{"name", "kommuner": [...]}]} or a bare list."""
    text = _check_size(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GroupError([f"Filen är inte giltig JSON (rad {exc.lineno})."]) from exc
    except RecursionError as exc:  # [[[[…]]]] nested deeper than Python's stack
        raise GroupError(["JSON-filen är för djupt nästlad."]) from exc
    items = doc.get("groups") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise GroupError(["JSON-filen ska ha en lista 'groups' med namn och kommuner."])
    rows = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or "name" not in item:
            raise GroupError([f"Grupp nr {i} saknar 'name'."])
        members = item.get("kommuner", item.get("members", []))
        if not isinstance(members, list):
            raise GroupError([f"Grupp nr {i}: 'kommuner' ska vara en lista."])
        rows.append((item["name"], members))
    return _specs(rows, lookup)


def parse_csv(data: bytes | str, lookup: dict[str, str]) -> list[GroupSpec]:
    """Groups from CSV with columns grupp,kommun (one row per member; code or name)."""
    text = _check_size(data)
    sample = text[:2000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        gcol = fields.get("grupp") or fields.get("group") or fields.get("name")
        kcol = fields.get("kommun") or fields.get("kommunkod") or fields.get("kommun_code")
        if not gcol or not kcol:
            raise GroupError(["CSV-filen ska ha kolumnerna 'grupp' och 'kommun' (kod/namn)."])
        grouped: dict[str, list[str]] = {}
        for row in reader:
            group, member = row.get(gcol), row.get(kcol)
            if not isinstance(group, str) or not isinstance(member, str | type(None)):
                raise GroupError([f"Rad {reader.line_num} i CSV-filen har fel antal fält."])
            grouped.setdefault(group.strip(), []).append(member or "")
            if len(grouped) > MAX_GROUPS:
                break
    except csv.Error as exc:  # a NUL byte, a field over the size limit, a broken quote
        raise GroupError([f"CSV-filen kunde inte läsas: {_shown(str(exc))}."]) from exc
    return _specs(list(grouped.items()), lookup)


def _specs(rows: list[tuple[object, list]], lookup: dict[str, str]) -> list[GroupSpec]:
    if not rows:
        raise GroupError(["Filen innehåller inga grupper."])
    if len(rows) > MAX_GROUPS:
        raise GroupError([f"För många grupper i filen (högst {MAX_GROUPS})."])
    problems, specs, names = [], [], set()
    for name, members in rows:
        try:
            clean = clean_name(name)
            if clean.casefold() in names:
                raise GroupError([f"Gruppnamnet {quoted(_shown(clean))} förekommer flera gånger."])
            names.add(clean.casefold())
            specs.append(GroupSpec(clean, resolve_members(members, lookup, group=clean)))
        except GroupError as exc:
            problems.extend(exc.all_problems)
    if problems:
        raise GroupError(problems)
    return specs


def to_json(groups: list[GroupSpec], names: dict[str, str]) -> str:
    """Our JSON export: names and codes, readable by people and by parse_json."""
    doc = {"format": "arbetsmarknadslaget-grupper", "version": 1, "groups": [
        {"name": g.name, "kommuner": list(g.members),
         "kommunnamn": [names.get(c, c) for c in g.members]} for g in groups]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def to_csv(groups: list[GroupSpec], names: dict[str, str]) -> str:
    """CSV export: grupp,kommun,kommunnamn (one row per member)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["grupp", "kommun", "kommunnamn"])
    for g in groups:
        for code in g.members:
            writer.writerow([g.name, code, names.get(code, code)])
    return out.getvalue()


def slug(name: str) -> str:
    """An ASCII id for a group name: 'Samordningsförbundet Värend' -> 'samordningsforbundet-varend'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "grupp"


MAX_ID_LENGTH = 80  # a group's id (the part after 'group:' in a link)
SHARED_ID_SUFFIX = "-delad"  # a link's group beside a stored one of the same id


def beside_id(group_id: str, taken: set[str] | frozenset[str]) -> str:
    """``group_id`` when free, else the first free of '<id>-delad', '<id>-delad2', …, shortened
    to MAX_ID_LENGTH: the id a link's group gets beside a stored group of the same id, when
    the link is read and when the group is saved (sharefix25, left26)."""
    if group_id not in taken:
        return group_id
    n = 1
    while True:
        suffix = SHARED_ID_SUFFIX + (str(n) if n > 1 else "")
        new = f"{group_id[:MAX_ID_LENGTH - len(suffix)]}{suffix}"
        if new not in taken:
            return new
        n += 1
