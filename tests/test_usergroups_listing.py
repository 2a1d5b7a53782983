"""``usergroups.list_groups`` keeps its result per file and reads the file again when it has
changed: a group written by this process or by another (here a plain DuckDB connection, as
the CLI in another process writes) is listed at once (issue 12 point 7: every page's every
run opened the user-groups file)."""

from __future__ import annotations

import subprocess
import sys

import duckdb

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
