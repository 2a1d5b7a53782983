"""YAML reading for the catalogues: libyaml's C parser when PyYAML has it (ten times faster
than the pure-Python one; a refresh reads indicators.yml and scb_datasets.yml several times)."""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_load(text: str):
    """``yaml.safe_load`` semantics (safe tags only), with the C parser when available."""
    return yaml.load(text, Loader=_LOADER)
