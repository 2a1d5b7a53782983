"""Hostile input: generated files and ids thrown at the parsers, Streamlit's own protections,
and an audit that every SQL statement takes its values as parameters.

Property tests (hypothesis) run at least 1 000 generated inputs each, derandomised so CI runs
the same ones, and assert the only outcomes are a result or our own Swedish error: no crash,
no other exception. The URL state parser gets the same treatment with its own module.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from transforms.groups import (
    MAX_PROBLEMS,
    GroupError,
    GroupSpec,
    kommun_lookup,
    parse_csv,
    parse_json,
)

EXAMPLES = 1000
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def kommun(warehouse) -> pd.DataFrame:
    return warehouse.execute("select kommun_code, kommun_name from marts.kommun").df()


@pytest.fixture(scope="module")
def lookup(kommun):
    return kommun_lookup(kommun)


def _valid_groups(specs: list[GroupSpec], lookup: dict[str, str]) -> None:
    """What a parser returns is always usable: named, known kommuner, no repeats."""
    codes = set(lookup.values())
    for spec in specs:
        assert spec.name and len(spec.name) <= 80
        assert spec.members and set(spec.members) <= codes
        assert len(set(spec.members)) == len(spec.members)


def _check_error(exc: GroupError) -> None:
    assert exc.problems and len(exc.problems) <= MAX_PROBLEMS + 1
    assert all(isinstance(p, str) and len(p) < 400 for p in exc.problems)


# st.text()'s own alphabet (codec "utf-8": every character but the surrogates) named by its
# categories: with codec= hypothesis scans all 1,1 million code points through the codec the
# first time (~2 s of CPU per pytest worker on a fresh clone, cached in .hypothesis/ after);
# by categories it reads its small category table. The same characters, the same inputs.
TEXT = st.characters(exclude_categories=("Cs",))
# JSON documents shaped like ours, with every field free to be anything (kept shallow: the
# generator, not the parser, is what costs time here)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(TEXT, max_size=12)
codes_and_names = st.sampled_from(["0780", "780", "Växjö", "växjö kommun", "0764", "Alvesta",
                                   "0000", "9999", "", " ", "0180", "Upplands  Väsby"])
json_values = st.recursive(scalars | codes_and_names,
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(TEXT, max_size=6), inner, max_size=3),
                           max_leaves=5)
group_items = st.fixed_dictionaries(
    {"name": st.text(TEXT, max_size=100) | json_values},
    optional={"kommuner": st.lists(codes_and_names, max_size=8) | json_values})
json_docs = (st.fixed_dictionaries({"groups": st.lists(group_items, max_size=3)})
             | st.lists(group_items, max_size=3) | json_values)
json_inputs = (json_docs.map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8"))
               | st.binary(max_size=200) | st.text(TEXT, max_size=200)
               | st.integers(1, 3000).map(lambda n: "[" * n + "]" * n))  # deep nesting


def test_group_importer_json_takes_1000_hostile_files(lookup):
    seen = []

    @PROPERTY
    @given(json_inputs)
    def check(data):
        seen.append(data)
        try:
            _valid_groups(parse_json(data, lookup), lookup)
        except GroupError as exc:
            _check_error(exc)

    check()
    assert len(seen) >= EXAMPLES


csv_cells = codes_and_names | st.text(TEXT, max_size=20) | st.sampled_from(['"', '""', ";", ",", "\t",
                                                                      "\x00", "\r", "\n"])
csv_rows = st.lists(st.lists(csv_cells, min_size=0, max_size=4), max_size=8)
csv_inputs = (
    st.tuples(st.sampled_from([",", ";", "\t"]), st.sampled_from([
        ["grupp", "kommun"], ["Grupp", "Kommunkod"], ["name", "kommun_code"], ["x", "y"]]),
        csv_rows).map(lambda t: "\n".join(t[0].join(r) for r in [t[1], *t[2]]))
    | st.binary(max_size=300) | st.text(TEXT, max_size=300)
    | st.integers(131_000, 140_000).map(lambda n: 'grupp,kommun\nA,"' + "x" * n + '"\n'))


def test_group_importer_csv_takes_1000_hostile_files(lookup):
    seen = []

    @PROPERTY
    @given(csv_inputs)
    def check(data):
        seen.append(data)
        try:
            _valid_groups(parse_csv(data, lookup), lookup)
        except GroupError as exc:
            _check_error(exc)

    check()
    assert len(seen) >= EXAMPLES


def test_group_importer_names_what_is_wrong_in_files_found_by_hand(lookup):
    """Inputs that crashed or misled the importer before these checks (hand-made)."""
    cases = {
        "[" * 5000 + "]" * 5000: "för djupt nästlad",                     # RecursionError
        'grupp,kommun\nA,"' + "x" * 140_000 + '"\n': "kunde inte läsas",  # csv field limit
        "grupp,kommun\nA,07\x0080\n": "Okänd kommun ”07\\?80”",            # NUL shown as ?
        json.dumps([{"name": {"x": 1}, "kommuner": ["0780"]}]): "namn ska vara text",
        json.dumps([{"name": "A", "kommuner": [{"kod": "0780"}]}]): "kod eller namn",
        json.dumps([{"name": "A\u0007b", "kommuner": ["0780"]}]): "otillåtna tecken",
    }
    for data, expected in cases.items():
        parse = parse_json if data.lstrip()[:1] in "[{" and "grupp" not in data else parse_csv
        with pytest.raises(GroupError, match=expected):
            parse(data, lookup)
    many = json.dumps([{"name": "A", "kommuner": [f"x{i}" for i in range(500)]}])
    with pytest.raises(GroupError) as err:
        parse_json(many, lookup)
    assert len(err.value.problems) == MAX_PROBLEMS + 1
    assert err.value.problems[-1] == f"… och {500 - MAX_PROBLEMS} fel till."


# --- area ids -------------------------------------------------------------------------------
area_kinds = st.sampled_from(["kommun", "KOMMUN", "lan", "län", "riket", "la", "fa",
                              "kommungrupp", "group", "planet", "", " kommun"])
area_codes = (st.text(TEXT, max_size=15) | st.from_regex(r"\d{0,6}", fullmatch=True, alphabet=TEXT)
              | st.sampled_from(["0780", "780", "07", "7", "LA2308", "la2308", "9", "A1", "c9",
                                 "Göteborgsregionen", "samordningsforbundet-varend", "0000",
                                 "99", "x" * 500, "07\x00", "\u202e0780"]))
area_ids = (st.tuples(area_kinds, st.sampled_from([":", " : ", "::", ""]), area_codes)
            .map("".join) | st.text(TEXT, max_size=60))


def test_area_id_parser_takes_1000_hostile_ids(warehouse, tmp_path, monkeypatch):
    from warehouse.cli import CliError, resolve_area
    from warehouse.queries import Area

    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    seen, found = [], []

    @PROPERTY
    @given(area_ids)
    @example("kommun:780")
    @example("LAN:7")
    def check(area_id):
        seen.append(area_id)
        try:
            area = resolve_area(warehouse, area_id)
        except CliError as exc:
            assert str(exc) and "Traceback" not in str(exc)
        else:
            assert isinstance(area, Area) and area.members
            found.append(area.area_id)

    check()
    assert len(seen) >= EXAMPLES
    assert {"kommun:0780", "lan:07"} <= set(found)  # valid ids still resolve


@pytest.mark.parametrize(("area_id", "expected"), [
    ("kommun:780", "kommun:0780"), ("LAN:7", "lan:07"), ("la:la2308", "la:LA2308"),
    ("fa:09", "fa:9"), ("kommungrupp:a1", "kommungrupp:A1"), ("riket", "riket"),
    ("group:Samordningsförbundet Värend", "group:samordningsforbundet-varend"),
])
def test_area_ids_in_every_valid_form_resolve(warehouse, tmp_path, monkeypatch, area_id,
                                              expected):
    from warehouse.cli import resolve_area

    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    assert resolve_area(warehouse, area_id).area_id == expected


# --- Streamlit's protections ----------------------------------------------------------------
@pytest.fixture
def streamlit_options(monkeypatch):
    """Streamlit's options as `streamlit run` in the project folder reads them."""
    from streamlit import config as st_config

    monkeypatch.chdir(ROOT)
    for var in ("STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION",
                "STREAMLIT_SERVER_FILE_WATCHER_TYPE",
                "STREAMLIT_SERVER_ENABLE_CORS", "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"):
        monkeypatch.delenv(var, raising=False)

    def read(**flags):
        st_config.get_config_options(force_reparse=True, options_from_flags=flags)
        return st_config.get_option

    yield read
    monkeypatch.undo()
    st_config.get_config_options(force_reparse=True)


def test_xsrf_protection_stays_on_and_the_server_binds_localhost(streamlit_options):
    option = streamlit_options()
    assert option("server.enableXsrfProtection") is True
    assert option("server.enableCORS") is True
    assert option("server.address") == "127.0.0.1"
    assert option("client.showErrorDetails") == "none"  # no stack trace in the browser


def test_the_running_dashboard_watches_no_files(streamlit_options):
    """No file watcher on a running dashboard (a deploy restarts it; watching cost every
    run that imported something ~0.1 s, issue 12 point 7), unless a developer asks for one."""
    assert streamlit_options()("server.fileWatcherType") == "none"
    assert streamlit_options(**{"server.fileWatcherType": "auto"})(
        "server.fileWatcherType") == "auto"


def test_the_address_can_be_set_for_a_deployment(streamlit_options):
    """`streamlit run app.py --server.address 0.0.0.0` (or STREAMLIT_SERVER_ADDRESS, which the
    CLI turns into the same flag) overrides the project's 127.0.0.1."""
    assert streamlit_options(**{"server.address": "0.0.0.0"})("server.address") == "0.0.0.0"


def test_make_run_binds_localhost():
    assert "--server.address 127.0.0.1" in (ROOT / "Makefile").read_text("utf-8")


# --- SQL is always parameterised ------------------------------------------------------------
# names an f-string may put into SQL: module constants, identifiers checked by a regex in the
# same function before use (warehouse/db.py write_table), and sql_identifier(...) calls, which
# check each name by a regex themselves (column and table names from indicators.yml);
# AREA_LIST: warehouse.queries' constant (build.py imports it), checked where queries.py runs it
ALLOWED = {"INDICATOR_COLUMNS", "schema", "name", "col", "_quote(comment)", "_quote(text)",
           "DETAIL", "SUMMARY", "AREA_LIST"}
CHECKED_IDENTIFIERS = [("warehouse/db.py", "_IDENTIFIER.fullmatch"),
                       ("transforms/duck.py", "_NAME.fullmatch(name)")]  # the sql_identifier check


SKIPPED = {".venv", "tests", "bench", ".pytest-tmp"}  # top-level folders not audited (tools and tests)


def _python_files():
    """Every .py file of the project outside SKIPPED. The walk never enters those folders:
    `make test` puts a real .venv (thousands of files) in the project folder, which rglob
    walked in full before filtering (~1 s of the suite's time, issue 12 point 8)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        if Path(folder) == ROOT:
            dirs[:] = [d for d in dirs if d not in SKIPPED]
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [Path(folder) / f for f in files if f.endswith(".py")]
    for path in sorted(found):
        yield path.relative_to(ROOT).as_posix(), path


Names = dict[str, list[ast.expr]]


def _assignments(nodes) -> Names:
    """The values assigned (``=``, ``+=``, annotated) to each plain name among ``nodes``."""
    found: Names = {}
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    found.setdefault(t.id, []).append(node.value)
    return found


def _sql_strings(tree: ast.Module):
    """String expressions that become SQL, each with the names it can see (its function's
    assignments, then the module's top-level ones): the first argument of execute/
    executemany/sql, and whatever is assigned (``=`` or ``+=``) to a name containing 'sql'."""
    module = _assignments(tree.body)

    def visit(node: ast.AST, names: Names):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(child, {**module, **_assignments(ast.walk(child))})
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                    and child.func.attr in {"execute", "executemany", "sql"} and child.args:
                yield child.args[0], names
            elif isinstance(child, (ast.Assign, ast.AugAssign)) and any(
                    isinstance(t, ast.Name) and "sql" in t.id.lower()
                    for t in getattr(child, "targets", [getattr(child, "target", None)])):
                yield child.value, names
            yield from visit(child, names)

    yield from visit(tree, module)


def _is_sql_identifier(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "sql_identifier"


def _sql_offences(rel: str, tree: ast.Module) -> list[str]:
    """Every place in ``tree`` where a value could reach SQL by string building.

    A piece ``+`` glues into SQL must be a constant string, an f-string or another ``+``
    (their own parts are checked where the walk meets them), an ALLOWED name, a
    sql_identifier call, a conditional between such pieces, a constant separator joining
    them, ``.replace`` of one with constant strings, a name whose every assignment (in its
    function, else at the module's top level) is such a piece, or a call of a function of the
    module whose every return value is one. A bare name passed to execute is read so too."""
    offences: list[str] = []
    functions = {f.name: f for f in tree.body
                 if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    module = _assignments(tree.body)

    def check(expr: ast.expr, names: Names, seen: frozenset[str]) -> None:
        for node in ast.walk(expr):
            if isinstance(node, ast.FormattedValue):
                inner = ast.unparse(node.value)
                if inner not in ALLOWED and not _is_sql_identifier(node.value):
                    offences.append(f"{rel}:{node.lineno} {{{inner}}}")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
                offences.append(f"{rel}:{node.lineno} %-formatting")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                for part in (node.left, node.right):
                    if not piece(part, names, seen):
                        offences.append(f"{rel}:{node.lineno} + {ast.unparse(part)}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "format":
                offences.append(f"{rel}:{node.lineno} .format()")

    def piece(node: ast.expr, names: Names, seen: frozenset[str]) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr) or isinstance(node, ast.BinOp) \
                and isinstance(node.op, ast.Add):
            return True
        if ast.unparse(node) in ALLOWED or _is_sql_identifier(node):
            return True
        if isinstance(node, ast.Name):
            if node.id in seen:  # sql += …: the other assignments are checked
                return True
            values = names.get(node.id)
            if not values:
                return False
            ok = True
            for value in values:
                ok &= piece(value, names, seen | {node.id})
                check(value, names, seen | {node.id})
            return ok
        if isinstance(node, ast.IfExp):
            return piece(node.body, names, seen) and piece(node.orelse, names, seen)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in functions and node.func.id not in seen:
            func = functions[node.func.id]
            inner = {**module, **_assignments(ast.walk(func))}
            returns = [r.value for r in ast.walk(func) if isinstance(r, ast.Return)]
            if not returns or None in returns:
                return False
            for r in returns:
                check(r, inner, seen | {node.func.id})
            return all(piece(r, inner, seen | {node.func.id}) for r in returns)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return False
        args = node.args
        if node.func.attr == "replace" and all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            return piece(node.func.value, names, seen)
        if node.func.attr == "join" and isinstance(node.func.value, ast.Constant) \
                and len(args) == 1:
            if isinstance(args[0], (ast.GeneratorExp, ast.ListComp)):
                return piece(args[0].elt, names, seen)
            if isinstance(args[0], ast.List):
                return all(piece(e, names, seen) for e in args[0].elts)
            if isinstance(args[0], ast.BinOp) and isinstance(args[0].op, ast.Mult) \
                    and isinstance(args[0].left, ast.List):  # [piece] * n
                return all(piece(e, names, seen) for e in args[0].left.elts)
        return False

    for expr, names in _sql_strings(tree):
        if isinstance(expr, ast.Name):
            if expr.id in names and not piece(expr, names, frozenset()):
                offences.append(f"{rel}:{expr.lineno} execute({expr.id})")
        else:  # (a bare name assigned nowhere is a parameter: checked where it is called)
            check(expr, names, frozenset())
    return offences


def test_every_sql_statement_takes_values_as_parameters():
    """No value reaches SQL by string formatting: f-strings in SQL may only carry constant
    column lists or identifiers validated first; %-formatting and .format() never; ``+``
    glues only such pieces."""
    offences = []
    for rel, path in _python_files():
        text = path.read_text("utf-8")
        if "execute" not in text and "sql" not in text.lower():
            continue  # nothing _sql_strings can find (10 of ~90 files are parsed)
        offences += _sql_offences(rel, ast.parse(text))
    assert offences == []
    for rel, guard in CHECKED_IDENTIFIERS:
        assert guard in (ROOT / rel).read_text("utf-8"), rel


@pytest.mark.parametrize("planted", [
    'sql = "select 1"\nsql += f" where x = {v}"',             # += was not looked at
    'sql = "select 1 where x = " + v',                         # a value glued on with +
    'sql = "select 1" + " where x = " + str(v)',
    'Q = f"select 1 where x = {v}"\ndef f(con):\n    con.execute(Q)',  # a constant by name
    'Q = "select 1"\nQ += " where x = " + v\ndef f(con):\n    con.execute(Q)',
    'def f(con, v):\n    w = v\n    con.execute("select 1 where x = " + w)',  # a name's value
    'def g(v):\n    return "x = " + v\ndef f(con, v):\n    con.execute("select " + g(v))',
    'def g(v):\n    return v\ndef f(con, v):\n    con.execute("select 1 where " + g(v))',
    'def f(con, v):\n    con.execute("select " + ", ".join(str(x) for x in v))',
])
def test_the_sql_audit_sees_values_glued_on_by_any_route(planted):
    assert _sql_offences("planted.py", ast.parse(planted)) != []


def test_the_sql_audit_lets_pieces_from_constants_through():
    """The forms the project uses (queries._group_series_sql and _group_series_pandas,
    build.weights_view, area_sql's replace, the placeholders joined): no offence."""
    safe = '''
W = "create view v as select 1"
A = "from t where s = ?"
B = A.replace("s", "t")
def _from(x):
    return A if x else B
def f(con, x, codes):
    weights = _from(x)
    sql = "select 1"
    sql += """ union all select 2 """ + weights + " and x = ?"
    con.execute(sql, [x])
    con.execute(W)
    con.execute("select " + _from(x) + " and " + ", ".join("?" for _ in codes))
    con.execute("select " + sql_identifier(x) + f" {SUMMARY}" + ("a" if x else "b"))
'''
    assert _sql_offences("safe.py", ast.parse(safe)) == []


def test_write_table_refuses_a_name_that_is_not_an_identifier():
    import duckdb

    from warehouse.db import write_table

    con = duckdb.connect()
    for bad in ("marts.x; drop table marts.kommun", "marts.x--", "x", "marts.\"x\""):
        with pytest.raises(ValueError, match="identifier"):
            write_table(con, bad, pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="identifier"):
        write_table(con, "marts.ok", pd.DataFrame({"a": [1]}), column_comments={'a" x': "y"})
    write_table(con, "marts.ok", pd.DataFrame({"a": [1]}), comment="it's fine",
                column_comments={"a": "a 'quoted' comment"})
    assert con.execute("select comment from duckdb_tables() where table_name = 'ok'"
                       ).fetchone()[0] == "it's fine"
