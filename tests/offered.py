"""The tables a page hands to its download menus, captured where every menu's buttons are
made (``ui.downloads._table_buttons``, which chart_downloads and table_downloads both call),
so a test reads the very table a CSV or workbook button would write."""

from __future__ import annotations


def offered_tables(monkeypatch) -> dict:
    """{menu key ('dl-N03920', …): the TableExport (or None) offered there}, filled as the
    app runs."""
    from ui import downloads

    offered = {}
    real = downloads._table_buttons

    def keep(table, names, key):
        offered[key] = table
        return real(table, names, key)

    monkeypatch.setattr(downloads, "_table_buttons", keep)
    return offered
