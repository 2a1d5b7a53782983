"""Exports for meetings: chart images, tables as CSV/Excel, and the meeting deck.

Pure of streamlit: the dashboard (ui/downloads.py, ui/pages/motesunderlag.py) and the command
line (``python -m warehouse pack``) share these modules.
"""
