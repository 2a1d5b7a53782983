"""Downloads under a chart: the chart as PNG (16:9, 4:3), SVG and PDF, its numbers as CSV and
Excel, all in one "Ladda ned" menu per chart.

Images are made only when a button is clicked (``st.download_button`` with a callable, run on
Streamlit's own thread), by the one export browser in exports/images.py, cached by figure
content. File names are readable Swedish: area, indicator, period (exports/filenames.py).
"""

from __future__ import annotations

import html
import re
import weakref
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from exports import images
from exports.filenames import MAX_BYTES, SEPARATOR, clean_part, file_name, listed
from exports.tables import TableExport, csv_bytes, xlsx_bytes
from transforms.export import text_table, to_excel_csv
from transforms.formatting import markdown_literal
from ui import swedish

PLOTLY_CONFIG = swedish.PLOTLY_CONFIG  # Swedish toolbar and numbers, no logo
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plotly_config(*parts: str | None) -> dict:
    """The chart's plotly config: Swedish, and the camera button's PNG named like the
    downloads ('Växjö – Arbetslöshet 18–64 år (18–65 från 2023) – 2010–2022.png')."""
    name = file_name(*parts, ext="png").removesuffix(".png")
    return {**PLOTLY_CONFIG,
            "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"],
                                     "filename": name}}


NUMBERS_LABEL = "Siffrorna i diagrammet"
_TAG = re.compile(r"<[^>]+>")


def chart_title_text(fig: go.Figure) -> str:
    """A figure's title (and subtitle) as plain text: 'Arbetslöshet …, Växjö, 2010–2022', the
    lines it was wrapped into for the screen joined again (``charts.unwrap_title``)."""
    from charts import unwrap_title

    title = unwrap_title(fig.layout.title.text or "")
    lines = [html.unescape(_TAG.sub("", part)).strip()
             for part in re.split(r"<br\s*/?>", title, flags=re.IGNORECASE)]
    return ", ".join(line for line in lines if line)


def chart(fig: go.Figure, config: dict, *, key: str, table: TableExport | None,
          width: int | str = "stretch") -> None:
    """A chart and its text alternative (WCAG 1.1.1, 1.3.1): under it a closed expander
    with the chart's numbers as a real table, made from the download's frame
    (``transforms.export.text_table``): the same rows, values and flags as the CSV. Every
    st.plotly_chart of the pages is drawn here; ``table`` None: the numbers stand beside
    the chart already (Karta's ranked list, the same rows as its download)."""
    st.plotly_chart(fig, config=config, key=key, width=width)
    numbers_table(table, alt=chart_title_text(fig))


# a chart's table to read, kept as long as its TableExport lives: a view's chart parts are
# cached (ui.data.cached), so a rerun of the same view does not format its rows again (~2 ms
# for the 228 rows of a monthly chart of three areas)
_TEXT_TABLES: dict[int, pd.DataFrame] = {}


def _text_of(table: TableExport) -> pd.DataFrame:
    key = id(table)
    shown = _TEXT_TABLES.get(key)
    if shown is None:
        shown = text_table(table.data, table.row_decimals())
        _TEXT_TABLES[key] = shown
        weakref.finalize(table, _TEXT_TABLES.pop, key, None)
    return shown


def numbers_table(table: TableExport | None, *, alt: str) -> None:
    """The numbers of a chart as a table in a closed "Siffrorna i diagrammet" expander."""
    if table is None or table.data.empty:
        return
    shown = _text_of(table)
    with st.expander(NUMBERS_LABEL):
        st.table(shown, hide_index=True, alt=alt or NUMBERS_LABEL)


def file_names(*parts: str | None) -> dict[str, str]:
    """Every download's file name for one chart: image formats ('… – 2010–2022 – 4x3.png': the
    two PNGs' ratios told apart), 'csv' and 'xlsx'."""
    names = {key: file_name(*parts, fmt.name_tag, ext=fmt.ext)
             for key, fmt in images.FORMATS.items()}
    names.update(csv=file_name(*parts, ext="csv"), xlsx=file_name(*parts, ext="xlsx"))
    return names


def _image(fig: go.Figure, fmt: str) -> Callable[[], bytes]:
    def make() -> bytes:
        return images.figure_image(fig, fmt)
    return make


def chart_downloads(fig: go.Figure, *parts: str | None, table: TableExport | None,
                    key: str) -> None:
    """One "Ladda ned" menu for a chart: images (made on click) and the numbers."""
    names = file_names(*parts)
    with st.popover("Ladda ned", icon=":material/download:"):
        st.caption(f"**{markdown_literal(clean_part(' – '.join(p for p in parts if p)))}**")
        if images.browser_path() is None:
            st.caption("Bilder kan inte göras på den här servern: Chromium saknas.")
        for fmt_key, fmt in images.FORMATS.items() if images.browser_path() else ():
            st.download_button(f"Bild, {fmt.label}", _image(fig, fmt_key), names[fmt_key],
                               fmt.mime, key=f"{key}-{fmt_key}", on_click="ignore",
                               icon=":material/image:", width="stretch")
        _table_buttons(table, names, key)


def _table_buttons(table: TableExport | None, names: dict[str, str], key: str) -> None:
    if table is not None and not table.data.empty:
        st.download_button("Siffrorna, CSV", lambda: csv_bytes(table), names["csv"],
                           "text/csv", key=f"{key}-csv", on_click="ignore",
                           icon=":material/table:", width="stretch")
        st.download_button("Siffrorna, Excel", lambda: xlsx_bytes(table), names["xlsx"],
                           XLSX, key=f"{key}-xlsx", on_click="ignore",
                           icon=":material/table:", width="stretch")


def table_downloads(table: TableExport, *parts: str | None, key: str,
                    label: str = "Ladda ned tabellen") -> None:
    """One menu for a table (no chart): its numbers as CSV and Excel. ``label`` says which
    table when a page has several."""
    with st.popover(label, icon=":material/download:"):
        st.caption(f"**{markdown_literal(clean_part(' – '.join(p for p in parts if p)))}**")
        _table_buttons(table, file_names(*parts), key)


CSV_LABEL = "Ladda ned siffrorna (CSV)"


def csv_button(table: pd.DataFrame, filename: str, *, key: str, label: str = CSV_LABEL) -> None:
    """A download button for ``table`` as CSV (semicolons, decimal comma, UTF-8 with BOM),
    values at their decimals as shown (``table.attrs["decimals"]``). ``label`` says what is
    downloaded when a page has more than one table ("Ladda ned rangordningen (CSV)")."""
    st.download_button(label, to_excel_csv(table), filename, "text/csv",
                       key=key, icon=":material/download:")


def table_export(area, ind, table: pd.DataFrame, *, sex: str, period: str,
                 decimals: list[int] | None = None,
                 computed: bool | None = None) -> TableExport:
    """A chart's numbers with what they are: the indicator (or several, for a chart of parts
    or of several measures, with ``decimals`` per row when they differ), the area and its
    members. ``computed``: whether the table has area values computed from kommuner (a
    kommun's chart has its län's and Riket's rows), so the workbook says how they were made;
    None: when the area is not a kommun."""
    from ui.data import query

    members = list(area.members)
    names = query("kommun_names", members) if members else []
    inds = list(ind) if isinstance(ind, list | tuple) else [ind]
    return TableExport(table, inds, area.name, area.area_id,
                       list(zip(members, names, strict=True)), sex=sex, period=period,
                       area_method=not area.is_kommun if computed is None else computed,
                       decimals=decimals or [])


def name_parts(area_name: str, label: str, period: str, sex: str = "T",
               options: str | None = None) -> tuple[str, ...]:
    """What a chart's files are named by: area, indicator, period, a monthly series' options
    as its subtitle says them ('20–64 år, alla (inrikes och utrikes födda)') and the sex
    when not both."""
    from ui.selection import SEX_LABELS

    return (area_name, label, period) + ((options,) if options else ()) + (
        (SEX_LABELS[sex].lower(),) if sex != "T" else ())


def listed_part(lead: str, names: list[str], *others: str | None) -> str:
    """A file name's first part listing ``names`` (exports.filenames.listed: whole names, or
    the first ones and 'm.fl.'), sized so that every download's name with ``others`` (the
    rest of name_parts) and its longest tag and extension needs no cut."""
    tails = [SEPARATOR + f.name_tag + "." + f.ext if f.name_tag else "." + f.ext
             for f in images.FORMATS.values()] + [".xlsx"]
    rest = [clean_part(p) for p in others if p]
    used = len(SEPARATOR.join(["", *rest]).encode()) + max(len(t.encode()) for t in tails)
    return listed(lead, names, MAX_BYTES - used)
