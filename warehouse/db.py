"""DuckDB connections and the atomic swap of a freshly built warehouse file.

The dashboard opens the warehouse read-only. A build writes a new file beside it and renames
it over the old one (``os.replace`` is atomic on POSIX): readers holding the old file keep a
consistent view until they reconnect, and a failed build never touches the live file.
"""

from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from transforms.duck import quiet


def connect(path: Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file (read-only unless asked)."""
    return quiet(duckdb.connect(str(path), read_only=read_only))


def connect_private(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file read-only in a DuckDB instance of its own (an in-memory database
    that attaches the file), for a process that keeps connections open across a swap.

    ``duckdb.connect(path)`` reuses the instance of any connection to the same path still
    open in the process, so after ``os.replace`` swapped a new file in, it would serve the OLD
    file. A cursor of the returned connection must run ``use_warehouse`` first (a cursor
    starts in the in-memory database)."""
    con = quiet(duckdb.connect(":memory:"))
    con.execute("attach ? as warehouse (read_only)", [str(path)])
    con.execute("use warehouse")
    return con


def use_warehouse(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Point a cursor of a ``connect_private`` connection at the attached warehouse."""
    cur.execute("use warehouse")
    return cur


def staging_path(target: Path) -> Path:
    """A fresh path beside ``target`` for a build in progress."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return target.with_name(f".{target.name}.building-{os.getpid()}-{stamp}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_builds(target: Path) -> list[Path]:
    """Delete half-written build files beside ``target`` left by a process that died (killed
    mid-build); a build still running in another process is left alone. Returns the removed."""
    removed = []
    for leftover in Path(target).parent.glob(f".{Path(target).name}.building-*"):
        pid = leftover.name.split(".building-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


# a folder some filesystems cannot open or sync (CIFS/Samba shares, some FUSE mounts)
_NO_FOLDER_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES, errno.EISDIR}


def _synced(path: Path, *, folder: bool = False) -> None:
    """``path`` flushed to disk. The build commits without syncing (warehouse/build.py) and a
    last checkpoint with nothing left to write syncs nothing, so the new file is synced here
    before it is swapped in (any error raises: no swap), and its ``folder`` after, for the
    rename. Where a filesystem cannot sync a folder (EINVAL and the like: a network share)
    the swap, already made, stands: nothing is raised, so no refresh reports a failed build
    that is live."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if not (folder and exc.errno in _NO_FOLDER_SYNC):
            raise


@contextmanager
def building(target: Path):
    """Yield a connection to a new file; on success swap it over ``target``, else delete it.

    The new file is never read before the swap; one left behind by a killed build is removed
    by the next build.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    tmp = staging_path(target)
    con = quiet(duckdb.connect(str(tmp)))
    try:
        yield con
        con.execute("checkpoint")
        con.close()
        _synced(tmp)  # whatever the checkpoint synced or not (nothing left to write: nothing)
        os.replace(tmp, target)
    except BaseException:
        con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    _synced(target.parent, folder=True)  # the rename; the new file is live from here


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def write_table(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame, *,
                comment: str | None = None, column_comments: dict[str, str] | None = None) -> None:
    """Create or replace ``schema.table`` from a DataFrame, with table and column comments.

    Table and column names go into the SQL text (DuckDB takes no parameters for identifiers),
    so they must be plain identifiers; comments are quoted literals (COMMENT ON takes no
    parameters either). Values never pass through here: they come from the registered frame.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a schema.table identifier: {name!r}")
    bad = [c for c in (column_comments or {}) if not _COLUMN.fullmatch(str(c))]
    if bad:
        raise ValueError(f"not a column identifier: {bad}")
    schema = name.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    con.register("_frame", _arrow(df))
    try:
        con.execute(f"create or replace table {name} as select * from _frame")
    finally:
        con.unregister("_frame")
    comment_table(con, name, comment=comment,
                  column_comments={c: t for c, t in (column_comments or {}).items()
                                   if c in df.columns})


def comment_table(con: duckdb.DuckDBPyConnection, name: str, *, comment: str | None = None,
                  column_comments: dict[str, str] | None = None) -> None:
    """Table and column comments on ``schema.table`` (a table the build wrote in SQL, or
    write_table's); every column named must exist."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a schema.table identifier: {name!r}")
    bad = [c for c in (column_comments or {}) if not _COLUMN.fullmatch(str(c))]
    if bad:
        raise ValueError(f"not a column identifier: {bad}")
    if comment:
        con.execute(f"comment on table {name} is ?".replace("?", _quote(comment)))
    for col, text in (column_comments or {}).items():
        con.execute(f'comment on column {name}."{col}" is {_quote(text)}')


def _arrow(df: pd.DataFrame) -> object:
    """The frame as an Arrow table when it has no object column (DuckDB reads Arrow columns
    without a copy; its scan of pandas' Arrow-backed string columns cost ~3 s per build), else
    the frame itself: DuckDB types object columns (lists, mixed values) by sampling them,
    Arrow by its own rules, and the tables' types must not depend on the path."""
    import pyarrow as pa

    if any(dtype == object for dtype in df.dtypes):
        return df
    return pa.Table.from_pandas(df, preserve_index=False)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_signature(path: Path) -> tuple[int, int] | None:
    """(inode, mtime_ns) of the warehouse file, or None if it is missing: changes on every swap."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns
