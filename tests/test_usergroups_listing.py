"""``usergroups.list_groups`` keeps its result per file and reads the file again when it has
changed: a group written by this process or by another (here a plain DuckDB connection, as
the CLI in another process writes) is listed at once (issue 12 point 7: every page's every
run opened the user-groups file)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

import duckdb
import pandas as pd

from warehouse import usergroups


def test_a_group_written_elsewhere_is_listed_at_once(tmp_path):
    path = tmp_path / "user.duckdb"
    assert usergroups.list_groups(path) == []
    assert usergroups.list_groups(path) == []  # kept: the file has not changed
    code = ("import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
            "c.execute(\"insert into user_group (group_id, name) values ('a', 'Alfa')\"); "
            "c.execute(\"insert into user_group_member values ('a', 0, '0780')\"); c.close()")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    listed = usergroups.list_groups(path)
    assert [(g.group_id, g.name, g.members) for g in listed] == [("a", "Alfa", ("0780",))]
    con = duckdb.connect(str(path))  # this process, outside usergroups
    con.execute("update user_group set name = 'Beta' where group_id = 'a'")
    con.close()
    assert [g.name for g in usergroups.list_groups(path)] == ["Beta"]


def test_a_group_saved_here_is_listed_at_once(tmp_path):
    path = tmp_path / "user.duckdb"
    usergroups.list_groups(path)
    saved = usergroups.save(usergroups.GroupSpec("Gamma", ("0780", "0760")), path=path)
    assert [(g.name, g.members) for g in usergroups.list_groups(path)] == [
        ("Gamma", saved.members)]


KOMMUN = pd.DataFrame({"kommun_code": ["0764", "0763", "0780", "0760"],  # hand-made
                       "kommun_name": ["Alvesta", "Tingsryd", "Växjö", "Uppvidinge"]})


def test_a_seeded_file_is_read_once_and_a_new_file_in_its_place_is_seeded(tmp_path,
                                                                            monkeypatch):
    """Every new session asks whether the suggestions are seeded and then lists the groups
    (ui/groups.py): one opening of an unchanged seeded file answers both, later sessions none
    (it was two openings per session, ~0,1 s); a changed file, here an empty one put in its
    place, is read again and seeded."""
    path = tmp_path / "user.duckdb"
    monkeypatch.setattr(usergroups, "SUGGESTIONS_FILE", tmp_path / "suggested.yml")
    usergroups.SUGGESTIONS_FILE.write_text(
        "- name: Värend\n  kommuner: [Alvesta, Tingsryd, Växjö]\n", "utf-8")
    assert usergroups.seed_suggestions(KOMMUN, path) == 1
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or real(*a, **k))
    usergroups._SEEDED.clear()
    usergroups._LISTED.clear()  # a process that has not read this file yet
    for _ in range(3):  # three sessions
        assert usergroups.seed_suggestions(KOMMUN, path) == 0
        assert [g.name for g in usergroups.list_groups(path)] == ["Värend"]
    assert len(opened) == 1
    path.unlink()
    real(str(path)).close()  # another file in its place, without the groups or the flag
    assert usergroups.seed_suggestions(KOMMUN, path) == 1
    assert [(g.name, g.members) for g in usergroups.list_groups(path)] == [
        ("Värend", ("0764", "0763", "0780"))]


def test_a_write_right_after_a_listing_read_is_not_hidden(tmp_path, monkeypatch):
    """Another process writing between this listing's read and its caching (the file closed,
    the state not yet taken) is listed next time: the cache keeps the state from before the
    read (review at stop 19: it kept the state after closing, which included that write)."""
    path = tmp_path / "user.duckdb"
    usergroups.list_groups(path)
    usergroups.save(usergroups.GroupSpec("Alfa", ("0780",)), path=path)
    real = usergroups._connect
    wrote = []

    @contextmanager
    def read_then_other_writes(*args, **kwargs):
        with real(*args, **kwargs) as con:
            yield con
        if kwargs.get("listing") and not wrote:  # the gap after closing: another process
            wrote.append(True)
            other = duckdb.connect(str(path))
            other.execute("update user_group set name = 'Beta' where name = 'Alfa'")
            other.close()

    monkeypatch.setattr(usergroups, "_connect", read_then_other_writes)
    assert [g.name for g in usergroups.list_groups(path)] == ["Alfa"]  # read before the write
    assert wrote
    assert [g.name for g in usergroups.list_groups(path)] == ["Beta"]
