"""The source clients (Kolada, SCB, Arbetsförmedlingen) and their shared HTTP plumbing."""

import sys

# httpx imports its command-line client (click, pygments, rich) whenever it can; here click and
# pygments come with streamlit, and without rich the import fails only after loading them.
# Nothing here runs httpx's command line; a module that cannot be imported is httpx's own
# fallback for it (httpx.main then says what is missing). Set before any client module imports
# httpx. Measured again at stop 19: `import warehouse.refresh` 0.37 s CPU with it, 0.40 s
# without (9 pairs, A/B 0.93, 0.86-1.03): ~30 ms of the refresh's start before it forks.
sys.modules.setdefault("httpx._main", None)

NOT_IN_MIRROR = "ej i spegeln"  # the refresh counts these as skipped, not failed
