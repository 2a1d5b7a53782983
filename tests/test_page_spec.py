"""ui/pages.yml and its loader: every name the file uses exists; bad files fail loudly."""

from __future__ import annotations

import pkgutil

import pytest

from tests.conftest import ROOT
from transforms.catalogue import indicator_ids
from ui.page_spec import PageFileError, load_pages, problems


def _blocks() -> set[str]:
    from ui.blocks import BLOCKS

    return set(BLOCKS)


def test_the_page_file_names_only_existing_indicators_blocks_and_renderers():
    renderers = {f"ui.pages.{m.name}"
                 for m in pkgutil.iter_modules([str(ROOT / "ui" / "pages")])}
    assert problems(load_pages(), indicators=set(indicator_ids()), blocks=_blocks(),
                    renderers=renderers) == []


def test_oversikt_keeps_everything_it_showed_before_the_split():
    page = load_pages()["oversikt"]
    assert next(iter(load_pages())) == "oversikt"  # the start page
    assert page.indicator_ids == ("N03920", "N03921", "N31807", "U31804", "N00960", "N01986")
    assert page.block_names == ("bas_senaste_manad", "befolkning_lan")
    assert page.controls == ("area", "sex", "period", "reference")


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
])
def test_a_malformed_page_file_names_the_problem(tmp_path, text, needle):
    path = tmp_path / "pages.yml"
    path.write_text(text, "utf-8")
    with pytest.raises(PageFileError, match=needle):
        load_pages(path)
