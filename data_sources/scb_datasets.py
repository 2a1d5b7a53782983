"""The SCB datasets we fetch (declared in scb_datasets.yml) and how one is fetched to raw.

``load_datasets`` reads and checks the file; ``fetch_dataset`` fetches one dataset (config,
table, metadata, any codelists needed, every data part) into ONE snapshot, so a failed fetch
leaves the previous snapshot in place; ``dataset_bodies`` reads a snapshot back for staging.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from data_sources import NOT_IN_MIRROR
from data_sources.http import FetchError
from data_sources.scb import SOURCE, ScbClient
from data_sources.snapshot import Snapshot, SnapshotWriter, fetch_snapshot
from transforms.yamlio import yaml_load

DATASETS_FILE = Path(__file__).with_name("scb_datasets.yml")
KINDS = {"population", "bas", "integration", "codelist"}



class NotInMirror(FetchError):
    """The mirror holds nothing for this dataset; in mirror mode it is skipped, not failed."""


@dataclass(frozen=True)
class ScbDataset:
    """One entry of scb_datasets.yml (see the file's header for the fields)."""

    id: str
    kind: str
    label: str
    verified: bool
    table: str | None = None
    codelist: str | None = None
    grain: str = ""
    selection: dict[str, list[str]] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)
    mirror_selection: dict[str, list[str]] | None = None
    mirror_codelists: dict[str, str] = field(default_factory=dict)
    other_variables: str = "eliminate"
    dimensions: dict[str, str] = field(default_factory=dict)
    measures: dict[str, dict] = field(default_factory=dict)
    preliminary: str = "none"
    max_lag_days: int | None = None
    metadata_lang: str | None = None
    final_for: str | None = None

    @property
    def source_id(self) -> str:
        """The table or codelist id at SCB."""
        return str(self.table or self.codelist)

    def request(self, *, mirror: bool) -> tuple[dict[str, list[str]], dict[str, str]] | None:
        """(selection, codelists) to ask for; None when mirror mode has nothing recorded."""
        if mirror:
            if self.mirror_selection is None:
                return None
            return self.mirror_selection, self.mirror_codelists
        return self.selection, self.codelists


def _selection(dataset_id: str, raw: dict | None) -> tuple[dict[str, list[str]], dict[str, str]]:
    selection: dict[str, list[str]] = {}
    codelists: dict[str, str] = {}
    for variable, spec in (raw or {}).items():
        values = spec.get("values") if isinstance(spec, dict) else spec
        if isinstance(spec, dict) and spec.get("codelist"):
            codelists[variable] = str(spec["codelist"])
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values:
            raise ValueError(f"{dataset_id}: {variable} needs a list of codes")
        if bad := [v for v in values if not isinstance(v, str)]:
            raise ValueError(f"{dataset_id}: {variable} has unquoted codes {bad} (YAML reads "
                             "01 as 1; quote every code)")
        selection[variable] = values
    return selection, codelists


def _dataset(dataset_id: str, raw: dict) -> ScbDataset:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{dataset_id}: kind must be one of {sorted(KINDS)}, not {kind!r}")
    if kind == "codelist" and not raw.get("codelist"):
        raise ValueError(f"{dataset_id}: a codelist dataset needs 'codelist'")
    if kind != "codelist" and not (raw.get("table") and raw.get("selection")):
        raise ValueError(f"{dataset_id}: a table dataset needs 'table' and 'selection'")
    if raw.get("other_variables", "eliminate") not in {"eliminate", "all"}:
        raise ValueError(f"{dataset_id}: other_variables is eliminate or all")
    if raw.get("preliminary", "none") not in {"all", "none", "status"}:
        raise ValueError(f"{dataset_id}: preliminary is all, none or status")
    selection, codelists = _selection(dataset_id, raw.get("selection"))
    mirror, mirror_codelists = _selection(dataset_id, raw.get("mirror_selection"))
    measures = {k: (v if isinstance(v, dict) else {"label": v})
                for k, v in (raw.get("measures") or {}).items()}
    for measure, spec in measures.items():
        if not (spec.get("code") or spec.get("label")):
            raise ValueError(f"{dataset_id}: measure {measure} needs a ContentsCode (code)")
        if raw.get("verified") and not spec.get("code"):
            raise ValueError(f"{dataset_id}: a verified dataset names each measure by its "
                             f"ContentsCode, not by a label ({measure}); labels change with "
                             "the language")
    if raw.get("metadata_lang") not in (None, "sv", "en"):
        raise ValueError(f"{dataset_id}: metadata_lang is sv or en")
    return ScbDataset(
        id=dataset_id, kind=kind, label=str(raw.get("label") or dataset_id),
        verified=bool(raw.get("verified", False)), table=raw.get("table"),
        codelist=raw.get("codelist"), grain=str(raw.get("grain") or ""), selection=selection,
        codelists=codelists, mirror_selection=mirror if raw.get("mirror_selection") else None,
        mirror_codelists=mirror_codelists, other_variables=raw.get("other_variables",
                                                                   "eliminate"),
        dimensions={str(k): str(v) for k, v in (raw.get("dimensions") or {}).items()},
        measures=measures, preliminary=raw.get("preliminary", "none"),
        max_lag_days=raw.get("max_lag_days"), metadata_lang=raw.get("metadata_lang"),
        final_for=raw.get("final_for"))


def load_datasets(path: Path = DATASETS_FILE) -> list[ScbDataset]:
    """Every dataset in scb_datasets.yml, checked; ValueError names the entry that is wrong."""
    raw = yaml_load(Path(path).read_text("utf-8")) or {}
    return [_dataset(str(k), v) for k, v in raw.items()]


def dataset(dataset_id: str, path: Path = DATASETS_FILE) -> ScbDataset:
    """One dataset by id (KeyError when it is not declared)."""
    found = {d.id: d for d in load_datasets(path)}
    return found[dataset_id]


def fetch_dataset(client: ScbClient, dataset: ScbDataset, root: Path, *, mirror: bool,
                  today: date | None = None,
                  check: Callable[[SnapshotWriter], object] | None = None) -> Snapshot:
    """Fetch one dataset into one snapshot under ``root/scb/<dataset id>/``.

    Config, table, metadata, codelists needed to resolve expressions and every data part go
    into the same snapshot; it is committed only when all arrived, so a failure keeps the
    previous snapshot as the newest complete one. The manifest's ``scb`` entry records the
    table's lastPeriod, whether it is current, the selection asked for and the mode.
    Raises NotInMirror (message starting "ej i spegeln") when mirror mode has nothing for it.
    ``check`` runs on the complete set of responses before the commit (see warehouse/fetch.py).
    """
    request = dataset.request(mirror=mirror)
    if mirror and (request is None or dataset.kind == "codelist"):
        raise NotInMirror(SOURCE, dataset.source_id,
                          f"{NOT_IN_MIRROR}: {dataset.id} ({dataset.source_id}) finns inte i "
                          "spegeln")
    details: dict = {"dataset": dataset.id, "kind": dataset.kind, "id": dataset.source_id,
                     "verified": dataset.verified, "mirror": mirror}

    def job(writer: SnapshotWriter) -> None:
        client.config(writer, refresh=True)
        if dataset.kind == "codelist":
            client.codelist(dataset.source_id, writer, refresh=True)
            return
        selection, codelists = request
        info = client.table(dataset.source_id, writer)
        metadata = client.metadata(dataset.source_id, writer, refresh=True,
                                   lang=dataset.metadata_lang)
        if dataset.other_variables == "all":
            listed = {k.lower() for k in selection}
            selection = {**selection, **{d: ["*"] for d in metadata.get("id") or []
                                         if d.lower() not in listed}}
        bodies = client.fetch_table(dataset.source_id, selection, codelists=codelists,
                                    snapshot=writer, metadata_lang=dataset.metadata_lang,
                                    periods=(info.first_period, info.last_period))
        details.update(label=info.label, first_period=info.first_period,
                       last_period=info.last_period, updated=info.updated,
                       is_current=info.is_current(today, max_lag_days=dataset.max_lag_days),
                       selection=selection, codelists=codelists, parts=len(bodies))

    return fetch_snapshot(root, SOURCE, dataset.id, job, check=check, scb=details)


def _kind_of(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    if path.endswith("/config"):
        return "config"
    if path.endswith("/metadata"):
        return "metadata"
    if path.endswith("/data"):
        return "data"
    if "/codeLists/" in path or "/codelists/" in path:
        return "codelist"
    return "table"


def dataset_bodies(snapshot: Snapshot) -> dict[str, list[bytes]]:
    """A snapshot's response bodies by kind: config, table, metadata, codelist, data (in order)."""
    out: dict[str, list[bytes]] = {}
    for entry in snapshot.manifest["files"]:
        out.setdefault(_kind_of(entry["url"]), []).append(
            (snapshot.folder / entry["file"]).read_bytes())
    return out


def snapshot_details(snapshot: Snapshot) -> dict:
    """The manifest's ``scb`` entry (dataset, table, lastPeriod, is_current, selection, …)."""
    return dict(snapshot.manifest.get("scb") or {})
