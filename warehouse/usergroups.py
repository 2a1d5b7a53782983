"""The organisation's kommun groups, stored in a separate DuckDB file a refresh never touches.

Connections are opened per operation and closed at once, so the dashboard, the CLI and a
refresh never hold the file locked for long. Validation lives in transforms/groups.py.

Groups belong to everyone using the dashboard, so changes are safe: every create, edit, delete
and restore is written to ``user_group_log`` (what, when, before and after); a deleted group
goes to ``user_group_trash`` and can be restored; ``GROUPS_READONLY=1`` refuses every change
here, in the backend, whatever the page shows (a shared link carries its members in the URL
and keeps working).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

import config
from transforms.formatting import quoted
from transforms.groups import (
    GroupError,
    GroupSpec,
    beside_id,
    clean_name,
    kommun_lookup,
    resolve_members,
    slug,
)
from transforms.yamlio import yaml_load
from warehouse.queries import Area

SUGGESTIONS_FILE = Path(__file__).resolve().parents[1] / "transforms" / "suggested_groups.yml"
SCHEMA = """
create table if not exists user_group (
    group_id varchar primary key, name varchar not null unique, note varchar,
    is_suggested boolean default false, created_at timestamptz, updated_at timestamptz);
create table if not exists user_group_member (
    group_id varchar not null, position integer not null, kommun_code varchar not null,
    primary key (group_id, kommun_code));
create table if not exists user_meta (key varchar primary key, value varchar);
create table if not exists user_group_log (
    changed_at timestamptz not null, action varchar not null, group_id varchar not null,
    name varchar, members varchar[], before_name varchar, before_members varchar[]);
create table if not exists user_group_trash (
    trash_id varchar primary key, group_id varchar not null, name varchar not null,
    note varchar, is_suggested boolean, created_at timestamptz, updated_at timestamptz,
    members varchar[] not null, deleted_at timestamptz not null);
"""
ACTIONS = {"create": "skapad", "edit": "ändrad", "delete": "borttagen", "restore": "återställd",
           "suggest": "föreslagen"}
RESTORED_SUFFIX = " (återställd)"


class GroupsReadOnly(GroupError):
    """A change was asked for while GROUPS_READONLY is set."""

    def __init__(self) -> None:
        super().__init__([("Grupperna kan inte ändras här: de är skrivskyddade "
                          "(GROUPS_READONLY=1). Delade länkar fungerar som vanligt.")])


def read_only() -> bool:
    """True when groups may not be changed (GROUPS_READONLY=1)."""
    return config.groups_readonly()


def _writable() -> None:
    if read_only():
        raise GroupsReadOnly()


@dataclass(frozen=True)
class DeletedGroup:
    """A group in the trash, restorable until someone empties it."""

    trash_id: str
    group_id: str
    name: str
    members: tuple[str, ...]
    deleted_at: datetime


def _log(con: duckdb.DuckDBPyConnection, action: str, group_id: str, name: str | None,
         members: tuple[str, ...] | None, before: tuple | None = None) -> None:
    con.execute("insert into user_group_log values (?, ?, ?, ?, ?, ?, ?)",
                [datetime.now(UTC), action, group_id, name,
                 list(members) if members is not None else None,
                 before[0] if before else None, list(before[1]) if before else None])


def _members(con: duckdb.DuckDBPyConnection, group_id: str) -> tuple[str, ...]:
    return tuple(r[0] for r in con.execute(
        "select kommun_code from user_group_member where group_id = ? order by position",
        [group_id]).fetchall())


@dataclass(frozen=True)
class Group:
    """A stored group."""

    group_id: str
    name: str
    members: tuple[str, ...]
    note: str | None = None
    is_suggested: bool = False


# Streamlit serves every browser session from threads of one process, and DuckDB gives those
# threads one shared instance of the file: two sessions writing at once (e.g. the first start's
# suggestions, seeded by every session that opens) hit "write-write conflict" or a duplicate
# key. One lock per process serialises the user file's reads and writes (they take
# milliseconds); other processes are kept out by DuckDB's own file lock (retried below).
_LOCK = threading.RLock()


# list_groups runs on every page's every run; opening the file costs ~10-40 ms. Its result is
# kept per file with the file's (and its WAL's) size and modification time: any write, from
# this process or another, changes them. Every other opening of the file forgets it too.
_LISTED: dict[str, tuple[tuple, list]] = {}
# The same for the first start's check (every new session asks, ui/groups.py): the file's
# state when its suggestions were last seen seeded. The flag is never removed, so while the
# file is unchanged the answer is the same; any change (a write, another file in its place)
# reads it again.
_SEEDED: dict[str, tuple] = {}


def _file_state(path: Path) -> tuple:
    out = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


@contextmanager
def _connect(path: Path | None = None, *, listing: bool = False
             ) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path or config.user_db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        if not listing:
            _LISTED.pop(str(path), None)
        for attempt in range(20):  # another process may hold the file for a moment
            try:
                con = duckdb.connect(str(path))
                break
            except duckdb.IOException:
                if attempt == 19:
                    raise
                time.sleep(0.1)
        try:
            con.execute(SCHEMA)
            yield con
        finally:
            con.close()


def list_groups(path: Path | None = None) -> list[Group]:
    """Every stored group, by name (read again only when the file has changed)."""
    path = Path(path or config.user_db_path())
    with _LOCK:
        known = _LISTED.get(str(path))
        before = _file_state(path)
        if known is not None and known[0] == before:
            return list(known[1])
        with _connect(path, listing=True) as con:
            groups = _read_groups(con)
        # kept with the state from BEFORE opening (reading leaves it as it was): a write by
        # another process after this read (once the file is closed) then reads it again; the
        # state after closing could already include that write, hiding it from this cache
        _LISTED[str(path)] = (before, groups)
    return list(groups)


def _read_groups(con: duckdb.DuckDBPyConnection) -> list[Group]:
    rows = con.execute("""select g.group_id, g.name, g.note, g.is_suggested,
                                 list(m.kommun_code order by m.position) filter
                                     (where m.kommun_code is not null)
                          from user_group g left join user_group_member m using (group_id)
                          group by all order by g.name""").fetchall()
    return [Group(r[0], r[1], tuple(r[4] or ()), r[2], bool(r[3])) for r in rows]


def find(name_or_id: str, path: Path | None = None) -> Group:
    """A group by id or by name (case-insensitive); LookupError if none."""
    key = name_or_id.strip().casefold()
    for g in list_groups(path):
        if g.group_id == key or g.name.casefold() == key or g.group_id == slug(name_or_id):
            return g
    raise LookupError(name_or_id)


def _unique_id(con: duckdb.DuckDBPyConnection, name: str, wanted: str | None = None) -> str:
    taken = {r[0] for r in con.execute("select group_id from user_group").fetchall()}
    if wanted is not None:  # a link's id: kept, or the one beside it the link parser gives
        return beside_id(wanted, taken)
    base = slug(name)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _write_members(con: duckdb.DuckDBPyConnection, group_id: str, members: tuple[str, ...]) -> None:
    con.execute("delete from user_group_member where group_id = ?", [group_id])
    con.executemany("insert into user_group_member values (?, ?, ?)",
                    [(group_id, i, code) for i, code in enumerate(members)])


def save(spec: GroupSpec, *, group_id: str | None = None, suggested: bool = False,
         path: Path | None = None, new_id: str | None = None) -> Group:
    """Create a group, or replace name and members of ``group_id``; names must be unique.

    ``new_id``: the id a created group asks for (a link's group keeps the link's id; when a
    group here has it, the id beside it, ``transforms.groups.beside_id``); by default one
    made from the name. Logged with what changed; GroupsReadOnly under GROUPS_READONLY=1.
    """
    _writable()
    return _save(spec, group_id=group_id, suggested=suggested, path=path, new_id=new_id)


def _save(spec: GroupSpec, *, group_id: str | None, suggested: bool, path: Path | None,
          action: str | None = None, new_id: str | None = None) -> Group:
    name = clean_name(spec.name)
    if not spec.members:
        raise GroupError([f"Gruppen {quoted(name)} har inga kommuner."])
    now = datetime.now(UTC)
    with _connect(path) as con:
        clash = con.execute("select group_id from user_group where lower(name) = lower(?) "
                            "and group_id is distinct from ?", [name, group_id]).fetchone()
        if clash:
            raise GroupError([f"Det finns redan en grupp som heter {quoted(name)}."])
        con.execute("begin")
        if group_id is None:
            group_id = _unique_id(con, name, new_id)
            con.execute("insert into user_group values (?, ?, ?, ?, ?, ?)",
                        [group_id, name, spec.note, suggested, now, now])
            before = None
        else:
            row = con.execute("select name from user_group where group_id = ?",
                              [group_id]).fetchone()
            if row is None:
                con.execute("rollback")
                raise LookupError(group_id)
            before = (row[0], _members(con, group_id))
            con.execute("update user_group set name = ?, updated_at = ? where group_id = ?",
                        [name, now, group_id])
        _write_members(con, group_id, spec.members)
        _log(con, action or ("suggest" if suggested else "create" if before is None
                             else "edit"), group_id, name, spec.members, before)
        con.execute("commit")
    return Group(group_id, name, spec.members, spec.note, suggested)


def delete(group_id: str, path: Path | None = None) -> DeletedGroup:
    """Move a group and its members to the trash (restorable); logged."""
    _writable()
    now = datetime.now(UTC)
    with _connect(path) as con:
        row = con.execute("select name, note, is_suggested, created_at, updated_at "
                          "from user_group where group_id = ?", [group_id]).fetchone()
        if row is None:
            raise LookupError(group_id)
        members = _members(con, group_id)
        trash_id = f"{group_id}@{now.isoformat()}"
        con.execute("begin")
        con.execute("insert into user_group_trash values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [trash_id, group_id, row[0], row[1], row[2], row[3], row[4],
                     list(members), now])
        con.execute("delete from user_group_member where group_id = ?", [group_id])
        con.execute("delete from user_group where group_id = ?", [group_id])
        _log(con, "delete", group_id, row[0], members)
        con.execute("commit")
    return DeletedGroup(trash_id, group_id, row[0], members, now)


def deleted_groups(path: Path | None = None) -> list[DeletedGroup]:
    """Groups in the trash, most recently deleted first."""
    with _connect(path) as con:
        rows = con.execute("select trash_id, group_id, name, members, deleted_at "
                           "from user_group_trash order by deleted_at desc").fetchall()
    return [DeletedGroup(r[0], r[1], r[2], tuple(r[3]), r[4]) for r in rows]


def restore(trash_id: str, path: Path | None = None) -> Group:
    """Bring a deleted group back, under its old id when free; logged.

    When another group has taken its name meanwhile, it comes back as "<name> (återställd)".
    """
    _writable()
    with _connect(path) as con:
        row = con.execute("select group_id, name, note, is_suggested, created_at, members "
                          "from user_group_trash where trash_id = ?", [trash_id]).fetchone()
        if row is None:
            raise LookupError(trash_id)
        group_id, name, note, suggested, created_at, members = row
        taken = con.execute("select 1 from user_group where group_id = ?", [group_id]).fetchone()
        if taken:
            group_id = _unique_id(con, name)
        if con.execute("select 1 from user_group where lower(name) = lower(?)",
                       [name]).fetchone():
            name = clean_name(name[:80 - len(RESTORED_SUFFIX)] + RESTORED_SUFFIX)
        now = datetime.now(UTC)
        con.execute("begin")
        con.execute("insert into user_group values (?, ?, ?, ?, ?, ?)",
                    [group_id, name, note, bool(suggested), created_at, now])
        _write_members(con, group_id, tuple(members))
        con.execute("delete from user_group_trash where trash_id = ?", [trash_id])
        _log(con, "restore", group_id, name, tuple(members))
        con.execute("commit")
    return Group(group_id, name, tuple(members), note, bool(suggested))


def history(limit: int = 200, path: Path | None = None) -> pd.DataFrame:
    """The change log, newest first: at (UTC), action (Swedish), group_id, name, members,
    before_name, before_members."""
    with _connect(path) as con:
        df = con.execute("select changed_at as at, action, group_id, name, members, "
                         "before_name, before_members from user_group_log "
                         "order by changed_at desc limit ?",
                         [limit]).df()
    df["action"] = df["action"].map(ACTIONS).fillna(df["action"])
    return df


def seed_suggestions(kommun: pd.DataFrame, path: Path | None = None) -> int:
    """Offer the suggested groups once (first start); returns how many were added.

    Deleted suggestions never come back: a flag in the user file records the seeding. Under
    GROUPS_READONLY nothing is added (the organisation's groups are what they are).
    """
    if read_only():
        return 0
    path = Path(path or config.user_db_path())
    with _LOCK:  # check, seed and mark as one step: sessions opening at once seed once
        state = _file_state(path)
        if _SEEDED.get(str(path)) == state:
            return 0  # seen seeded and unchanged since: no need to open the file
        with _connect(path, listing=True) as con:  # only reads (the listing stays valid)
            seeded = con.execute("select 1 from user_meta where key = 'suggestions_seeded'"
                                 ).fetchone()
            groups = _read_groups(con) if seeded else None
        if seeded:  # the page lists the groups next: read in the same opening (kept with the
            # state before opening, as list_groups does)
            _SEEDED[str(path)] = state
            _LISTED[str(path)] = (state, groups)
            return 0
        lookup = kommun_lookup(kommun)
        added = 0
        for item in yaml_load(SUGGESTIONS_FILE.read_text("utf-8")):
            members = resolve_members(item["kommuner"], lookup, group=item["name"])
            try:
                _save(GroupSpec(item["name"], members, item.get("note")), group_id=None,
                      suggested=True, path=path)
                added += 1
            except GroupError:  # the user already has a group by that name
                continue
        with _connect(path) as con:
            con.execute("insert or replace into user_meta values ('suggestions_seeded', ?)",
                        [datetime.now(UTC).isoformat()])
        return added


def as_area(group: Group) -> Area:
    """A stored group as an Area the queries understand."""
    return Area(f"group:{group.group_id}", "group", group.name, group.members,
                source="Egen grupp")
