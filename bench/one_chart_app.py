"""The baseline of bench/bench_browser.py: a one-chart Streamlit app, started the same way as
the dashboard (``streamlit run`` from the repository root, same config and warehouse).

It does the least a useful one-chart page does: opens the warehouse read-only, reads one real
series (Växjö's N03920 from Kolada, through warehouse.queries) and draws it with plotly. Not
part of the dashboard; only the bench starts it.
"""

import plotly.graph_objects as go
import streamlit as st

import config
from warehouse import queries
from warehouse.db import connect_private, use_warehouse

st.set_page_config(page_title="Ett diagram", layout="wide")
with use_warehouse(connect_private(str(config.warehouse_path())).cursor()) as con:
    indicator = queries.indicator(con, "N03920")
    series = queries.area_series(con, indicator, queries.area(con, "kommun:0780"), "T")
st.title("Ett diagram")
st.plotly_chart(go.Figure(go.Scatter(x=series["year"], y=series["value"], name="Växjö")))
