"""The public address a request stands for, for display (Om data): a refresh from a mirror goes
through the local replay server (``http://127.0.0.1:41337/kolada/v3/…``), which serves each
source under its own URL scheme; readers should see the source's public API address.

Pure: string in, string out. Only loopback hosts are rewritten; a live URL passes unchanged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# the replay server's mount (replay/server.py MOUNTS) -> the public base it stands for
PUBLIC_BASES = {
    "/kolada/v3": "https://api.kolada.se/v3",
    "/scb/api/v2": "https://statistikdatabasen.scb.se/api/v2",
    "/af": "https://arbetsformedlingen.se",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def public_url(url: object) -> object:
    """The public address for a replay URL; anything else unchanged (None stays None).

    A mirror file with no public address of its own (SCB's kommunkopplingar CSV) is named
    as a file of the mirror, never as a local address.
    """
    if not isinstance(url, str) or not url:
        return url  # None, NaN (a log row without an address) or "" pass unchanged
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        return url
    rest = f"?{parts.query}" if parts.query else ""
    for mount, base in PUBLIC_BASES.items():
        if parts.path == mount or parts.path.startswith(mount + "/"):
            return base + parts.path[len(mount):] + rest
    return f"fil i spegeln: {parts.path.lstrip('/')}"
