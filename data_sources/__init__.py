"""The source clients (Kolada, SCB, Arbetsförmedlingen) and their shared HTTP plumbing."""

import sys

# httpx imports its command-line client (click, pygments, rich: ~40 ms of every refresh's
# start) whenever those are installed, and streamlit installs them. Nothing here runs httpx's
# command line; a module that cannot be imported is httpx's own fallback for it (httpx.main
# then says what is missing). Set before any client module imports httpx.
sys.modules.setdefault("httpx._main", None)
