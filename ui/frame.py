"""The frame around every page: navigation, the selection bar, link notices, the footer.

The whole dashboard is one Streamlit page at ``/``; the page shown is the URL's ``sida``
parameter. So every view, including the page, is in the query string, every link the app makes
points at ``/`` (no ``/grupper/_stcore/health`` 404s when a deep link is opened), and the menu
links carry the selection to the next page. The old paths ``/grupper`` and ``/om_data`` still
open their pages.
"""

from __future__ import annotations

import gc
from pathlib import Path

import streamlit as st

import charts
from transforms.formatting import data_dates_text
from ui import cards, render, screen, selection, swedish
from ui.data import query, run_scope, warehouse_ready
from ui.page_spec import PageSpec, load_pages

APP_TITLE = "Arbetsmarknadsläget"
# Every menu link points at the same Streamlit page, which Streamlit would highlight in every
# link; the frame marks the page shown instead: the n-th link of the menu, whose only children
# are the links (its style goes to Streamlit's event container). No container per link: 12
# fewer elements for the browser to lay out on every run (issue 12 point 7).
_MENU_STYLE = """<style>
section[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"] {
  background-color: transparent;
}
section[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]:hover,
.st-key-meny > :nth-child(%d) a[data-testid="stPageLink-NavLink"] {
  background-color: rgba(151, 166, 195, 0.25);
}
</style>"""
# A page's title breaks between words (and after a hyphen: "Upplands-|Bro"), never inside
# one: Streamlit's h1 is 2.75rem at every width and may break a word that does not fit a
# line (overflow-wrap: break-word), so at 390 px "Karta – Samordningsförbundet Värend" read
# "Samordningsförb / undet" (left27). On a narrow screen the title shrinks with the screen,
# so a word of up to ~24 letters fits a line (≈ 0.55 em a letter in the bold face at 7.5vw:
# 358 px at 390). No automatic hyphenation: it would also split words that fit a line of
# their own. break-word stays the last resort for a longer word (a user's group name), which
# would otherwise run out of the page.
HEADING_STYLE = """<style>
[data-testid="stMainBlockContainer"] h1 { hyphens: manual; word-break: normal; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] h1 { font-size: clamp(1.5rem, 7.5vw, 2.75rem); }
}
</style>"""


# Streamlit's frontend loads plotly's script (~4.7 MB, its own chunk) only when the first chart
# arrives, after the server has made everything above it. Asked for at the start of the run,
# the browser loads and compiles it while the server works (issue 12 point 7: cold start to the
# first chart). The file name carries a hash of the installed Streamlit's build: looked up,
# and nothing is done when it is not there. The element stands below the menu (its empty row
# would otherwise push the menu down).
_PLOTLY_CHUNK = next((Path(st.__file__).parent / "static" / "static" / "js").glob(
    "PlotlyChart.*.js"), None)
_PRELOAD = """<script>
(() => {
  const app = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (app) import(new URL("%s", app.src).href).catch(() => {});
})();
</script>"""


def preload_charts() -> None:
    """Start loading plotly's script in the browser now, not when the first chart arrives."""
    if _PLOTLY_CHUNK is not None:
        st.sidebar.html(_PRELOAD % _PLOTLY_CHUNK.name, unsafe_allow_javascript=True)


def freeze_long_lived() -> bool:
    """Once per process, after its first whole run: collect, then leave every object alive
    now (the imported modules, the caches) out of the garbage collector's
    later passes (``gc.freeze``). Streamlit collects all generations after every run
    (``runner.postScriptGC``): ~70–200 ms of CPU a run walking the same modules, holding the
    GIL, so the run's last elements and "finished" reached the browser that much later (issue
    12 point 7: a kommun change). Objects made later are collected as before. True when it
    froze (not done before in this process). The warehouse build's own freeze
    (warehouse/build.py) undoes every freeze at its end; the server never builds."""
    if gc.get_freeze_count():
        return False
    gc.collect()
    gc.freeze()
    return True


def no_data_message() -> None:
    """Plain Swedish: no data, which source failed and why, and how to load a mirror."""
    st.title(APP_TITLE, anchor=False)
    st.error("Ingen data kunde hämtas, så det finns inget att visa ännu.")
    from warehouse.refresh import read_status  # the refresh pipeline: only when no data

    status = read_status()
    if status:
        lines = []
        for source, s in status.get("sources", {}).items():
            if s.get("failed"):
                name = {"kolada": "Kolada (api.kolada.se)",
                        "scb": "SCB (statistikdatabasen.scb.se)",
                        "af": "Arbetsförmedlingen (arbetsformedlingen.se)"}.get(source, source)
                lines.append(f"- **{name}**: {s.get('first_error') or 'misslyckades'}")
        if lines:
            st.markdown(f"Senaste försöket ({status.get('at', '')[:16].replace('T', ' ')} UTC):"
                        + "\n" + "\n".join(lines))
        if status.get("build_message") and not status.get("built"):
            st.markdown(f"Databasen kunde inte byggas: {status['build_message']}")
    else:
        st.markdown("Ingen uppdatering har körts på den här datorn ännu.")
    st.markdown(
        "**Så här laddar du data utan nätverk**, från en spegelmapp med sparade svar från "
        "källorna (t.ex. `../shared/data`):\n\n"
        "```\nMIRROR_DIR=../shared/data make run\n```\n\n"
        "eller, medan appen är igång, i ett annat terminalfönster:\n\n"
        "```\n.venv/bin/python -m warehouse refresh --mirror ../shared/data\n```\n\n"
        "Ladda sedan om sidan. Med nätverk hämtar `make run` data direkt från Kolada och SCB.")


def app_footer() -> None:
    """Shared footer: sources and licence, and when the data were fetched (data_dates_text)."""
    text = data_dates_text(*query("data_dates"))
    st.divider()
    st.caption(f"{APP_TITLE} · öppen källkod · {text} "
               "Källor: Kolada (RKA; ursprungliga producenter anges vid varje diagram) och "
               "SCB, Statistikdatabasen (CC0). Se sidan Om data för definitioner och logg.")

# Captions (definition, source, KPI id, fetch date, notes, the footer) at 75 % of the text
# colour, not Streamlit's 60 % (an opacity on some captions: the one under a page's title was
# #828180 on white, 3.88:1, under WCAG 1.4.3's 4.5:1 for text of 14 px); 75 % gives 6.1:1 on
# white and 5.7:1 on the sidebar's #f8f8f7 (stop 28, tests/test_a11y.py computes them). Mixed
# from the text colour, so a dark theme stays legible; opacity 1, or the two would multiply.
CAPTION_STYLE = """<style>
[data-testid="stCaptionContainer"] {
  color: color-mix(in srgb, currentColor 75%, transparent) !important; opacity: 1 !important;
}
</style>"""


def _draw_page() -> None:
    render.render(selection.current())


def _menu(menu, root: st.Page, sel: selection.Selection, pages: dict[str, PageSpec]) -> None:
    """One link per page in the sidebar's ``menu`` container, carrying the whole selection (a
    real link: it opens in a new tab too); the page shown is highlighted."""
    with menu:
        shown = list(pages).index(sel.page.id) + 1
        st.html(_MENU_STYLE % shown + HEADING_STYLE + CAPTION_STYLE + cards.STYLE)  # cards: ui/cards.py
        for page_id, spec in pages.items():
            st.page_link(root, label=spec.title, query_params=sel.link_params(page_id),
                         width="stretch")


def run() -> None:
    """Route, draw the selection bar and the menu, run the page, then the footer; the whole
    run reads one warehouse file."""
    with run_scope():
        _run()


def _run() -> None:
    menu = st.sidebar.container(key="meny")  # filled once the selection is known
    preload_charts()
    # the charts made for the width the reader's browser gives them (a phone's until known)
    with charts.on_screen(screen.chart_width()):
        _page(menu)


def _page(menu) -> None:
    """The page the link names, inside the frame: the selection, the menu, the footer."""
    if not warehouse_ready():
        st.navigation([st.Page(no_data_message, title=APP_TITLE)], position="hidden").run()
        st.stop()
    pages = load_pages()
    start = next(iter(pages))
    root = st.Page(_draw_page, title=APP_TITLE, url_path=start, default=True)
    old_paths = [st.Page(_draw_page, title=spec.title, url_path=page_id)
                 for page_id, spec in pages.items() if page_id != start]
    st.session_state[render.ROOT_PAGE] = root  # for the pages' "Mer om …" links
    nav = st.navigation([root, *old_paths], position="hidden")
    hint = None if nav is root else nav.url_path
    sel, notices = selection.bind(pages, render.page_facts, page_hint=hint)
    st.set_page_config(page_title=f"{sel.page.title} · {APP_TITLE}")
    swedish.install(cards.TIP_SCRIPT)  # the cards' Esc (ui/cards.py)
    _menu(menu, root, sel, pages)
    if notices:
        # a part dropped, or (a year past 1900–2100) read another way: both are said
        st.warning("Delar av länken kunde inte användas som de stod:\n" + "\n".join(
            f"- {n}" for n in notices))
    nav.run()
    app_footer()
