"""ui/pages.yml and its loader: every name the file uses exists; bad files fail loudly."""

from __future__ import annotations

import pkgutil

import pytest

from tests.conftest import ROOT
from transforms.catalogue import (
    group_labels,
    indicator_ids,
    load_catalogue,
    monthly_ids,
    monthly_marts,
)
from ui.page_spec import PageFileError, load_pages, problems


def _blocks() -> set[str]:
    from ui.blocks import BLOCKS

    return set(BLOCKS)


def test_the_page_file_names_only_existing_indicators_blocks_and_renderers():
    renderers = {f"ui.pages.{m.name}"
                 for m in pkgutil.iter_modules([str(ROOT / "ui" / "pages")])}
    assert problems(load_pages(), indicators=set(indicator_ids()) | set(monthly_ids()),
                    blocks=_blocks(), renderers=renderers, monthly=_monthly_options(),
                    groups=set(group_labels())) == []


def _monthly_options() -> dict[str, dict[str, set[str]]]:
    """monthly indicator id -> dimension -> its option codes (from indicators.yml)."""
    marts = monthly_marts()
    out = {}
    for indicator_id in monthly_ids():
        mart = marts[load_catalogue()["indicators"][indicator_id]["mart"]]
        out[indicator_id] = {
            dim: {str(c) for c in [*(spec.get("values") or {}), *(spec.get("series") or {})]}
            for dim, spec in (mart.get("dimensions") or {}).items()}
    return out


def test_the_check_catches_a_monthly_option_the_indicator_lacks(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text("pages: {x: {title: X, sections: [{heading: H, monthly: [{indicator: "
                    "bas_arbetsloshet, options: {age: '17-99'}}, af_andel_inskrivna]}]}}",
                    "utf-8")
    found = problems(load_pages(path), indicators=set(monthly_ids()), blocks=set(),
                     renderers=set(), monthly=_monthly_options())
    assert found == ["x: bas_arbetsloshet has no option age=17-99"]


def test_oversikt_has_key_figures_of_every_target_group_with_ranks():
    page = load_pages()["oversikt"]
    assert next(iter(load_pages())) == "oversikt"  # the start page
    ranked = [s for s in page.sections if s.rank]
    assert [s.link for s in ranked] == ["arbetsloshet", "forsorjningsstod", "unga", "nyanlanda"]
    assert all(not s.charts for s in ranked)  # key figures: cards only
    assert "N03920" in page.indicator_ids and "bas_arbetsloshet" in page.indicator_ids
    assert page.block_names == ("befolkning_lan",)
    assert page.controls == ("area", "sex", "period", "reference")


def test_arbetsloshet_draws_its_many_charts_in_tabs_monthly_first():
    page = load_pages()["arbetsloshet"]
    assert [t for t, _ in page.tabs] == ["manad", "ar", "sysselsattning", "antal"]
    assert page.sections[0].tab is None  # "Vilket mått?" above the tabs
    by_tab = {t: [i for s in page.sections if s.tab == t for i in (
        *s.indicators, *(m.indicator for m in s.monthly))] for t, _ in page.tabs}
    assert by_tab["manad"] == ["bas_arbetsloshet", "af_andel_inskrivna"]
    assert by_tab["ar"][:2] == ["N03920", "N03921"]


def test_nyanlanda_and_forsorjningsstod_draw_their_many_charts_in_tabs_of_an_analyst():
    """Issue 9 point 8: only the open tab's charts are made (Nyanlända had 24 charts on one
    page, over 1 s for a kommun not shown before; its 9-chart Etablering tab still took 1,4 s
    to draw in Chromium, so the education of those in the programme is a tab of its own); every
    indicator of the page stays in a tab, the first tab holds what the page is about, and no tab
    makes more than 8 charts."""
    pages = load_pages()
    expected = {"forsorjningsstod": ["andel", "unga_barn", "mottagare", "hinder", "kostnad"],
                "nyanlanda": ["etablering", "utbildning", "mottagande", "arbete", "befolkning"]}
    for page_id, tabs in expected.items():
        page = pages[page_id]
        assert [t for t, _ in page.tabs] == tabs
        assert all(s.tab for s in page.sections)  # no section outside the tabs
        in_tabs = [i for t in tabs for s in page.sections if s.tab == t
                   for i in (*s.indicators, *s.composition, *(m.indicator for m in s.monthly))]
        assert sorted(in_tabs) == sorted(page.indicator_ids)
        for tab in tabs:
            charts = sum(len(s.indicators) + bool(s.composition) + len(s.monthly)
                         for s in page.sections if s.tab == tab)
            assert charts <= 8, (page_id, tab, charts)
    by_tab = {t: [i for s in pages["forsorjningsstod"].sections if s.tab == t
                  for i in (*s.indicators, *s.composition)] for t in expected["forsorjningsstod"]}
    assert by_tab["andel"][0] == "N31807" and by_tab["hinder"][0] == "N31858"
    assert by_tab["mottagare"] == ["N31848", "N31910", "N31869"]
    assert dict(pages["nyanlanda"].tabs)["befolkning"] == "Befolkning och bistånd"


def test_the_forsorjningshinder_family_is_one_composition():
    [section] = [s for s in load_pages()["forsorjningsstod"].sections if s.composition]
    assert section.composition == tuple(f"N318{n}" for n in range(58, 69))


def test_renderer_pages_default_to_the_area_control():
    pages = load_pages()
    assert pages["grupper"].renderer == "ui.pages.grupper"
    assert pages["om_data"].controls == ("area",)


@pytest.mark.parametrize(("text", "needle"), [
    ("pages: {}", "non-empty"),
    ("pages: {x: {title: X}}", "either sections or a renderer"),
    ("pages: {x: {title: X, renderer: os.system}}", "ui.pages.<name>"),
    ("pages: {X: {title: X, renderer: ui.pages.x}}", "lower-case"),
    ("pages: {x: {title: X, sections: [{heading: H}]}}", "neither blocks nor indicators"),
    ("pages: {x: {title: X, sections: [{heading: H, indicators: [N1, N1]}]}}", "twice"),
    ("pages: {x: {title: X, sections: [{heading: H, indikatorer: [N1]}]}}", "unknown keys"),
    ("pages: {x: {title: X, renderer: ui.pages.x, controls: [age]}}", "controls"),
    ("pages: {x: {title: X, tabs: {a: A}, sections: [{heading: H, tab: a, blocks: [b]}]}}",
     "at least two"),
    ("pages: {x: {title: X, tabs: {a: A, b: B}, sections: [{heading: H, tab: c, blocks: [b]}]}}",
     "tabs the page lacks"),
    ("pages: {x: {title: X, tabs: {a: A, b: B}, sections: [{heading: H, tab: a, blocks: [b]}]}}",
     "tabs without a section"),
    (("pages: {x: {title: X, tabs: {a: A, b: B}, sections: [{heading: H, tab: b, blocks: [b]}, "
     "{heading: I, tab: a, blocks: [b]}]}}"), "order of the tabs"),
    (("pages: {x: {title: X, tabs: {a: A, b: B}, sections: [{heading: H, tab: a, blocks: [b]}, "
     "{heading: I, blocks: [b]}, {heading: J, tab: b, blocks: [b]}]}}"), "stand together"),
])
def test_a_malformed_page_file_names_the_problem(tmp_path, text, needle):
    path = tmp_path / "pages.yml"
    path.write_text(text, "utf-8")
    with pytest.raises(PageFileError, match=needle):
        load_pages(path)
