"""sharefix25 (review of share25, point 1): a group's name comes from a user or a link
(``egnagrupper=<id>:<codes>:<name>``, ``grupp=`` + ``medlemmar=``, a stored group), and the app
showed it as markdown and as Plotly's HTML: a name '[Klicka här](https://evil.example/x)' made
the page's H1 a link, '![b](https://evil.example/p.png)' loaded an image from that site, and
'<a href="https://evil.example">Norrort</a>' drew a clickable link in Jämför's legend. Every
name is now shown as written: each text the app renders as markdown (titles, notices, captions,
expander labels) has no markdown link or image and no HTML tag left unescaped (CommonMark:
a backslash before them makes them text), and no figure carries a tag from it; the name
itself still reads whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chart_text import literal, literal_figure
from tests.test_app import _app, _figures
from transforms.formatting import markdown_literal
from transforms.groups import GroupSpec
from warehouse import usergroups

ROOT = Path(__file__).resolve().parents[1]
MD_NAME = "[Klicka här](https://evil.example/x) ![b](https://evil.example/p.png)"
HTML_NAME = '<a href="https://evil.example">Norrort</a> <img src="https://evil.example/p.png">'
# a link or image ('[x](…)', '![x](…)'), HTML ('<a', '<img', '<b>'), colour ':red[' whose
# brackets are not backslash-escaped; a bare 'https://…' (Streamlit's markdown links it
# even with its ':' escaped: seen in Chromium)
_LIVE = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)<[a-z/]|(?<!\\):[a-z]+(?<!\\)\["
                   r"|https?\\?://|www\.")  # and an address GFM makes a link by itself


def _live_markup(text: str) -> bool:
    """Whether ``text``, rendered as markdown, has a link, an image, a tag or a colour."""
    return _LIVE.search(text) is not None


def _markdown_texts(at) -> list[str]:
    """Every text the run shows through Streamlit's markdown."""
    texts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                  "warning", "info", "error", "success")
             for e in getattr(at, kind)]
    return texts + [e.label for e in at.expander]


def _assert_no_foreign_markup(at) -> None:
    assert not at.exception
    texts = [t for t in _markdown_texts(at) if "evil" in t]
    assert texts  # the name is shown somewhere (the title at least)
    assert [t for t in texts if _live_markup(t)] == []
    tagged = [f["layout"]["title"]["text"] for f in _figures(at)
              if re.search(r"<(a|img)\b", json.dumps(f, ensure_ascii=False))]
    assert tagged == []


def test_markdown_literal_shows_a_name_as_written():
    for name in (MD_NAME, HTML_NAME, "Norrort (SNO) & <b>fet</b> :red[x] $x^2$ # 1."):
        assert _live_markup(name)
        assert not _live_markup(markdown_literal(name))
    # every character still there, each special one after a backslash (CommonMark: as text)
    assert markdown_literal("Norrort (SNO) & *x*") == r"Norrort (SNO) \& \*x\*"
    assert markdown_literal("# 1") == r"\# 1" and markdown_literal("1. x") == r"1\. x"


def test_a_figure_keeps_the_house_markup_and_writes_a_names_tags_as_text():
    import plotly.graph_objects as go
    fig = go.Figure(go.Bar(x=[1.0], y=[f"{HTML_NAME} (området)"], name=HTML_NAME,
                           hovertemplate="%{y}<extra></extra>"))
    fig.update_layout(title=f"Arbetslöshet<br><sup>{HTML_NAME}, 2024</sup>")
    fig.add_annotation(text=f"{HTML_NAME}: 7,1 %")
    spec = json.dumps(literal_figure(fig).to_plotly_json(), ensure_ascii=False)
    assert not re.search(r"<(a|img)\b", spec)
    assert fig.layout.title.text == ("Arbetslöshet<br><sup>&lt;a href=\"https://evil.example\">"
                                     "Norrort&lt;/a> &lt;img src=\"https://evil.example/p.png\">"
                                     ", 2024</sup>")
    assert fig.data[0].hovertemplate == "%{y}<extra></extra>"
    # a legend's name and a tick label are names only: even '<b>' reads as written there
    bold = literal_figure(go.Figure(go.Scatter(x=[1], y=[1], name="<b>fet</b> (delad länk)")))
    assert bold.data[0].name == "&lt;b>fet&lt;/b> (delad länk)"
    assert literal("Norrort (SNO) & co") == "Norrort (SNO) & co"


@pytest.mark.parametrize(("page", "name", "extra"), [
    ("karta", MD_NAME, {}),
    ("oversikt", MD_NAME, {}),
    ("jamfor", HTML_NAME, {"jamfor": "group:x,lan:01"}),
    ("motesunderlag", MD_NAME, {}),  # its intro wrote the name raw in bold (walkfixc26)
])
def test_a_link_groups_name_is_shown_as_written(small_app_warehouse, tmp_path, monkeypatch,
                                                page, name, extra):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "users.duckdb"))
    at = _app(sida=page, kommun="0160", omrade="group:x",
              egnagrupper=f"x:0160.0162:{name}", **extra).run()
    _assert_no_foreign_markup(at)


def test_a_shared_groups_name_is_shown_as_written(small_app_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "users.duckdb"))
    at = _app(sida="karta", kommun="0160", grupp=MD_NAME[:80],
              medlemmar="0160,0162").run()
    _assert_no_foreign_markup(at)


def test_a_stored_groups_name_is_shown_as_written(small_app_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    users = tmp_path / "users.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(users))
    name = '<a href="https://evil.example">Norrort</a> (SNO)'
    group = usergroups.save(GroupSpec(name, ("0160", "0162")), path=users)
    at = _app(sida="jamfor", kommun="0160", omrade=f"group:{group.group_id}",
              jamfor=f"group:{group.group_id},lan:01").run()
    _assert_no_foreign_markup(at)
    # as the entry reads (a long name is in lines for a phone's chart: charts.legend_name)
    legend = [t["name"].replace(" <br>", " ") for f in _figures(at) for t in f["data"]
              if t.get("name")]
    assert "&lt;a href=\"https://evil.example\">Norrort&lt;/a> (SNO)" in legend


def test_egna_gruppers_messages_show_a_stored_name_as_written(small_app_warehouse, tmp_path,
                                                           monkeypatch):
    """rest26: Egna grupper's success messages ("Gruppen ”…” är borttagen/återställd") and
    the delete checkbox's label put a stored group's name into markdown as it was: a name
    '[Klicka här](https://evil.example/x) …' became a live link in the message."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.chdir(ROOT)
    users = tmp_path / "users.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(users))
    name = MD_NAME[:80]
    group = usergroups.save(GroupSpec(name, ("0160", "0162")), path=users)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sida"] = "grupper"
    at.query_params["kommun"] = "0160"
    at.run()
    at.selectbox(key="edit_group").set_value(
        next(g for g in usergroups.list_groups(path=users) if g.group_id == group.group_id))
    at.run()
    sure = at.checkbox(key=f"sure_{group.group_id}")
    assert "evil" in sure.label and not _live_markup(sure.label)
    sure.check().run()
    next(b for b in at.button if b.label == "Ta bort gruppen").click().run()
    [gone] = [s.value for s in at.success if "borttagen" in s.value]
    assert "evil" in gone and not _live_markup(gone)
    [trashed] = [d for d in usergroups.deleted_groups(path=users)
                 if d.group_id == group.group_id]
    at.button(key=f"restore_{trashed.trash_id}").click().run()
    [back] = [s.value for s in at.success if "återställd" in s.value]
    assert "evil" in back and not _live_markup(back)
    assert not at.exception


def test_a_notice_quoting_an_address_makes_no_link():
    """A notice echoes a link's unusable value (``url_state.echo``): Streamlit's markdown
    linked a bare 'https://…' or 'www.…' in it although its characters were escaped."""
    from tests.test_url_state import VOCAB
    from ui import url_state

    for value in ("https://evil.example/x", "www.evil.example"):
        _, notices = url_state.parse({"kommun": value}, VOCAB)
        assert notices and not [n for n in notices if _live_markup(n)], notices
        assert "evil" in notices[0]


# the charts' own tags in a name: Plotly formatted them in titles and hovers (left26)
TAG_NAME = '<b>Fet</b> <i>kursiv</i><br><span style="color:red">röd</span> R&D'
_TAGS_OF_THE_NAME = ("<b>Fet", "<i>kursiv", "<span", "</i><br>", "R&D")


@pytest.mark.parametrize(("page", "extra"), [
    ("jamfor", {"jamfor": "group:x,lan:01"}), ("arbetsloshet", {"flik": "ar"}),
    ("karta", {})])
def test_a_names_house_tags_are_written_as_text_in_every_chart_text(
        small_app_warehouse, tmp_path, monkeypatch, page, extra):
    """sharefix25 let the charts' own tags (b, i, br, sup, …) through every text: a group
    named '<b>Fet</b>…' was bold in Jämför's title and every hover, and '<br>' broke the
    subtitle. A name is now written as text wherever a chart puts it (chart_text.as_text):
    no tag of it and no entity of it is left for Plotly to read, and it reads whole."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "users.duckdb"))
    at = _app(sida=page, kommun="0160", omrade="group:x",
              egnagrupper=f"x:0160.0162:{TAG_NAME}", **extra).run()
    assert not at.exception
    figures = _figures(at)
    assert figures
    for fig in figures:
        spec = json.dumps(fig, ensure_ascii=False)
        assert [t for t in _TAGS_OF_THE_NAME if t in spec] == [], fig["layout"]["title"]["text"]
    written = ('&lt;b>Fet&lt;/b> &lt;i>kursiv&lt;/i>&lt;br>&lt;span style="color:red">'
               'röd&lt;/span> R&amp;D')
    titled = [f for f in figures if written in f["layout"]["title"]["text"]]
    assert titled  # the area's name in a title, whole
    hovers = [h for f in figures for t in f["data"] for h in (t.get("hovertext") or [])
              if isinstance(h, str) and written in h]
    assert hovers or page == "karta"  # Karta's hover names the kommuner, its place the group


def test_as_text_writes_every_tag_and_entity_of_a_name_as_text():
    from chart_text import as_text, plain

    name = '<b>x</b><br><a href="y">z</a> &lt; R&D'
    assert as_text(name) == '&lt;b>x&lt;/b>&lt;br>&lt;a href="y">z&lt;/a> &amp;lt; R&amp;D'
    assert plain(name) == as_text(name)
    assert literal(f"<b>{as_text(name)}</b>") == f"<b>{as_text(name)}</b>"  # nothing left
