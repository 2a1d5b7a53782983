"""Local replay server: serves a mirror directory on 127.0.0.1 in each source's own URL scheme.

The production clients are pointed at it by base URL, so the offline path is the live code.
"""

from replay.server import Fault, ReplayServer, serve

__all__ = ["Fault", "ReplayServer", "serve"]
