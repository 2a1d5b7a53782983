"""Paths and base URLs, read from environment variables with defaults.

Every client takes its base URL from here, so the live path and the offline (replay) path are
the same code: the refresh command only swaps the URLs for a local replay server's.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Folder for raw snapshots and the warehouse (gitignored). Env: DATA_DIR."""
    return _path("DATA_DIR", ROOT / "data")


def raw_dir() -> Path:
    """Raw layer: one folder per fetch, bytes exactly as received. Env: RAW_DIR."""
    return _path("RAW_DIR", data_dir() / "raw")


def warehouse_path() -> Path:
    """The DuckDB warehouse the dashboard reads. Env: WAREHOUSE_PATH."""
    return _path("WAREHOUSE_PATH", data_dir() / "warehouse.duckdb")


def cache_dir() -> Path:
    """Derived files a build may reuse (the map's shapes, see warehouse/shape_cache.py); safe
    to delete. Env: CACHE_DIR."""
    return _path("CACHE_DIR", data_dir() / "cache")


def user_db_path() -> Path:
    """The user's own DuckDB file (kommun groups); a refresh never touches it. Env: USER_DB_PATH."""
    return _path("USER_DB_PATH", data_dir() / "user.duckdb")


def refresh_status_path(warehouse: Path | None = None) -> Path:
    """Outcome of the last refresh attempt, readable even when no warehouse could be built."""
    warehouse = warehouse or warehouse_path()
    return warehouse.with_name(warehouse.stem + ".last_refresh.json")


def kolada_api_url() -> str:
    """Kolada v3 base URL. Env: KOLADA_API_URL."""
    return os.environ.get("KOLADA_API_URL", "https://api.kolada.se/v3").rstrip("/")


def scb_api_url() -> str:
    """SCB PxWebApi 2.0 base URL. Env: SCB_API_URL."""
    return os.environ.get("SCB_API_URL", "https://statistikdatabasen.scb.se/api/v2").rstrip("/")


def af_statistics_url() -> str:
    """Arbetsförmedlingen's page "tidigare statistik tidsserier" (links to the monthly Excel
    files). Env: AF_STATISTICS_URL."""
    return os.environ.get(
        "AF_STATISTICS_URL",
        "https://arbetsformedlingen.se/statistik/sok-statistik/tidigare-statistik-tidsserier")


def scb_kommunkopplingar_url() -> str | None:
    """Where to fetch SCB's kommun classification table (LA, FA, kommungrupp) as CSV.

    Env: SCB_KOMMUNKOPPLINGAR_URL. Unset live: the divisions then come from SCB's codelists.
    The replay server serves the mirror's ``regions/`` copy.
    """
    return os.environ.get("SCB_KOMMUNKOPPLINGAR_URL") or None


def http_timeout() -> float:
    """Seconds before one HTTP request gives up. Env: HTTP_TIMEOUT."""
    return float(os.environ.get("HTTP_TIMEOUT", "30"))


def http_attempts() -> int:
    """Attempts per request (first try included) on 429/5xx/timeouts. Env: HTTP_ATTEMPTS."""
    return int(os.environ.get("HTTP_ATTEMPTS", "4"))


def groups_readonly() -> bool:
    """True when user groups may not be created, edited, deleted or restored (a public
    deployment's shared groups). Env: GROUPS_READONLY=1. Shared links keep working."""
    return os.environ.get("GROUPS_READONLY", "").strip().lower() in {"1", "true", "yes", "ja"}


def default_kommun() -> str | None:
    """The kommun code the dashboard opens on when a link names none (e.g. 0780), or None for
    the first in the alphabet. Env: DEFAULT_KOMMUN. Checked against the warehouse's kommuner
    by the app (transforms.kommun.default_kommun); a link's kommun still wins."""
    return os.environ.get("DEFAULT_KOMMUN", "").strip() or None
