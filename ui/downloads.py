"""Downloads under a chart: the numbers behind it as CSV for Swedish Excel.

Excel files and chart images will join here; a block calls one function per format.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from transforms.export import to_excel_csv


def csv_button(table: pd.DataFrame, filename: str, *, key: str) -> None:
    """A download button for ``table`` as CSV (semicolons, decimal comma, UTF-8 with BOM)."""
    st.download_button("Ladda ned siffrorna (CSV)", to_excel_csv(table), filename, "text/csv",
                       key=key, icon=":material/download:")
