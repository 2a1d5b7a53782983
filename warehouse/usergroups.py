"""The user's own kommun groups, stored in a separate DuckDB file that a refresh never touches.

Connections are opened per operation and closed at once, so the dashboard, the CLI and a
refresh never hold the file locked for long. Validation lives in transforms/groups.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

import config
from transforms.groups import (
    GroupError,
    GroupSpec,
    clean_name,
    kommun_lookup,
    resolve_members,
    slug,
)
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
"""


@dataclass(frozen=True)
class Group:
    """A stored group."""

    group_id: str
    name: str
    members: tuple[str, ...]
    note: str | None = None
    is_suggested: bool = False


@contextmanager
def _connect(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path or config.user_db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
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
    """Every stored group, by name."""
    with _connect(path) as con:
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


def _unique_id(con: duckdb.DuckDBPyConnection, name: str) -> str:
    base = slug(name)
    taken = {r[0] for r in con.execute("select group_id from user_group").fetchall()}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _write_members(con: duckdb.DuckDBPyConnection, group_id: str, members: tuple[str, ...]) -> None:
    con.execute("delete from user_group_member where group_id = ?", [group_id])
    con.executemany("insert into user_group_member values (?, ?, ?)",
                    [(group_id, i, code) for i, code in enumerate(members)])


def save(spec: GroupSpec, *, group_id: str | None = None, suggested: bool = False,
         path: Path | None = None) -> Group:
    """Create a group, or replace name and members of ``group_id``; names must be unique."""
    name = clean_name(spec.name)
    if not spec.members:
        raise GroupError([f"Gruppen '{name}' har inga kommuner."])
    now = datetime.now(UTC)
    with _connect(path) as con:
        clash = con.execute("select group_id from user_group where lower(name) = lower(?) "
                            "and group_id is distinct from ?", [name, group_id]).fetchone()
        if clash:
            raise GroupError([f"Det finns redan en grupp som heter '{name}'."])
        con.execute("begin")
        if group_id is None:
            group_id = _unique_id(con, name)
            con.execute("insert into user_group values (?, ?, ?, ?, ?, ?)",
                        [group_id, name, spec.note, suggested, now, now])
        else:
            updated = con.execute("update user_group set name = ?, updated_at = ? "
                                  "where group_id = ? returning group_id",
                                  [name, now, group_id]).fetchall()
            if not updated:
                con.execute("rollback")
                raise LookupError(group_id)
        _write_members(con, group_id, spec.members)
        con.execute("commit")
    return Group(group_id, name, spec.members, spec.note, suggested)


def delete(group_id: str, path: Path | None = None) -> None:
    """Remove a group and its members."""
    with _connect(path) as con:
        con.execute("begin")
        con.execute("delete from user_group_member where group_id = ?", [group_id])
        con.execute("delete from user_group where group_id = ?", [group_id])
        con.execute("commit")


def seed_suggestions(kommun: pd.DataFrame, path: Path | None = None) -> int:
    """Offer the suggested groups once (first start); returns how many were added.

    Deleted suggestions never come back: a flag in the user file records the seeding.
    """
    with _connect(path) as con:
        if con.execute("select 1 from user_meta where key = 'suggestions_seeded'").fetchone():
            return 0
    lookup = kommun_lookup(kommun)
    added = 0
    for item in yaml.safe_load(SUGGESTIONS_FILE.read_text("utf-8")):
        members = resolve_members(item["kommuner"], lookup, group=item["name"])
        try:
            save(GroupSpec(item["name"], members, item.get("note")), suggested=True, path=path)
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
