"""Tables for meetings: the numbers behind a chart or a deck as CSV and as an Excel workbook.

The workbook (openpyxl) has a data sheet, numbers stored as shown on screen with a number
format at each indicator's decimals and a frozen header row, and a sheet "Om siffrorna" with
each indicator's definition, source, id and fetch date, and the area with its member kommuner.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from transforms.catalogue import Indicator
from transforms.export import CODE, KOMMUN_METHOD, METHOD, VALUE, area_code, to_excel_csv
from transforms.formatting import format_date

DATA_SHEET = "Data"
ABOUT_SHEET = "Om siffrorna"


@dataclass(frozen=True)
class TableExport:
    """One download's numbers and what they are.

    ``data`` is a long table with Swedish column names and a ``värde`` column of values as
    shown (transforms.export.series_frame); ``decimals`` has one entry per row of ``data``
    (a deck's table holds several indicators), or is empty to use ``data.attrs``.
    """

    data: pd.DataFrame
    indicators: list[Indicator]
    area_name: str
    area_id: str
    members: list[tuple[str, str]] = field(default_factory=list)  # (kommun code, name)
    # several areas (Jämför): each area's name, its kommuner and whether they are all of
    # them (Riket: "alla 290 kommuner"); said area by area instead of ``members``
    member_lists: list[tuple[str, list[tuple[str, str]], bool]] = field(default_factory=list)
    sex: str = "Totalt"
    period: str = ""
    area_method: bool = True  # say how area values are computed
    decimals: list[int] = field(default_factory=list)

    def row_decimals(self) -> list[int]:
        """The decimals of each data row."""
        if self.decimals:
            return list(self.decimals)
        places = self.data.attrs.get("decimals", {}).get(VALUE, 1)
        return [places] * len(self.data)

    def column_decimals(self) -> dict[str, int]:
        """Decimals of number columns other than ``värde`` (``data.attrs["decimals"]``), e.g.
        a table of distances at two decimals."""
        return {c: d for c, d in self.data.attrs.get("decimals", {}).items()
                if c != VALUE and c in self.data.columns}


def number_format(decimals: int) -> str:
    """Excel's format code ('#,##0.0'); Excel shows it in the reader's locale ('1 234,5')."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def data_sheet(table: TableExport) -> pd.DataFrame:
    """The numbers as both the CSV and the workbook's sheet "Data" hold them (walk27: the CSV
    had neither codes nor the method the workbook states): the table's columns with ``kod``
    right after ``område`` (a string, leading zeros kept: '0114') and ``metod`` before
    ``nyckeltal``. Both come with the rows from the areas they were made from
    (transforms.export.series_frame; review27: never looked up by an area's name, which a
    user's group can share with a kommun; Karta's map_table writes its own, stop 28). A
    table with ``kod`` and no ``metod`` gets a kommun's own value for a kommun's four digits,
    else the indicator's ``area_method``; one without ``område`` or ``kod`` is returned as
    it is."""
    data = table.data
    if "område" not in data.columns or CODE not in data.columns or data.empty:
        return data
    columns = [c for c in data.columns if c != CODE]
    columns.insert(columns.index("område") + 1, CODE)
    out = data[columns].copy()
    if METHOD not in out.columns:
        by_name = {ind.id_and_label(): ind for ind in table.indicators}
        one = table.indicators[0] if len(table.indicators) == 1 else None
        rows = out["nyckeltal"] if "nyckeltal" in out.columns else [None] * len(out)
        methods = []
        for code, key in zip(out[CODE], rows, strict=True):
            ind = by_name.get(key, one)
            methods.append(KOMMUN_METHOD if len(str(code)) == 4 and str(code).isdigit()
                           else (ind.area_method if ind is not None else ""))
        at = out.columns.get_loc("nyckeltal") if "nyckeltal" in out.columns else len(out.columns)
        out.insert(at, METHOD, methods)
    out.attrs = dict(data.attrs)
    return out


def csv_bytes(table: TableExport) -> bytes:
    """The data sheet (``data_sheet``) as CSV for Swedish Excel (UTF-8 BOM, ';', decimal
    comma, as shown)."""
    if table.decimals and len(set(table.decimals)) > 1:  # mixed: write each row's own text
        from transforms.formatting import plain_number

        data = data_sheet(table)
        data[VALUE] = [plain_number(v, d) for v, d in zip(data[VALUE], table.decimals,
                                                          strict=True)]
        return to_excel_csv(data, decimals=table.column_decimals())
    places = table.row_decimals()[0] if len(table.data) else 1
    return to_excel_csv(data_sheet(table), decimals={**table.column_decimals(), VALUE: places})


def _listed(members: list[tuple[str, str]]) -> str:
    """'Alvesta (0764), Tingsryd (0763)' from (code, name) pairs, in the order given."""
    return ", ".join(f"{name} ({code})" for code, name in members)


def _about_rows(table: TableExport) -> list[tuple[str, str]]:
    code = area_code(table.area_id)  # '0780', 'lan'/'riket' as SCB codes them; '' shared
    rows = [("Område", f"{table.area_name} ({code})" if code else
             f"{table.area_name} (grupp från en delad länk)")]
    if table.member_lists:
        rows += [(f"Kommuner i {name}",
                  f"alla {len(members)} kommuner" if everyone else _listed(members))
                 for name, members, everyone in table.member_lists]
    else:
        rows.append(("Medlemskommuner", _listed(table.members) or "–"))
    rows += [("Kön", table.sex),
             ("Period", table.period or "–"),
             ("Skapad", format_date(date.today().isoformat()))]
    return rows


def _write_about(ws, table: TableExport) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    ws.append(["Om siffrorna"])
    ws["A1"].font = Font(bold=True, size=13)
    for key, value in _about_rows(table):
        ws.append([key, value])
        ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    header = ["Nyckeltal (id)", "Namn", "Definition", "Enhet", "Decimaler", "Källa",
              "Hämtad", "Områdesvärden"]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = bold
    for ind in table.indicators:
        ws.append([ind.source_id or "", ind.label, ind.definition or ind.title or "", ind.short_unit,
                   ind.decimals, ind.source_line.removeprefix("Källa: "),
                   format_date(ind.fetched_at) if ind.fetched_at else "okänt datum",
                   ind.area_method if table.area_method else ""])
    widths = [18, 40, 80, 12, 10, 60, 20, 60]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def xlsx_bytes(table: TableExport) -> bytes:
    """The workbook: sheet "Data" (frozen header, number formats at the indicators'
    decimals) and sheet "Om siffrorna" (definitions, sources, ids, fetch dates, members)."""
    # openpyxl only when a workbook is asked for: importing it costs a page's first run
    # about 0,3 s (issue 12 point 7, cold start)
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    data = data_sheet(table)  # the CSV's columns
    columns = list(data.columns)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    value_col = columns.index(VALUE) + 1 if VALUE in columns else None
    other = {columns.index(c) + 1: number_format(d) for c, d in table.column_decimals().items()}
    for (_, row), places in zip(data.iterrows(), table.row_decimals(), strict=True):
        values = [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                  for v in row.tolist()]
        ws.append(values)
        if value_col:
            ws.cell(ws.max_row, value_col).number_format = number_format(places)
        for col, fmt in other.items():
            ws.cell(ws.max_row, col).number_format = fmt
    ws.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in data[column].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)
    _write_about(wb.create_sheet(ABOUT_SHEET), table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
