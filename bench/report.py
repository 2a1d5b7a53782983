"""Writing a bench's results: one Markdown file under bench/results/, also printed."""

from __future__ import annotations

from pathlib import Path


def timing_rows(rows: list[tuple[str, float, float | None]]) -> list[str]:
    """A Markdown table of (step, best s, median s or None)."""
    out = ["| step | best (s) | median (s) |", "|---|---:|---:|"]
    out += [f"| {name} | {best:.3f} | {'' if median is None else f'{median:.3f}'} |"
            for name, best, median in rows]
    return out


def write(path: Path, lines: list[str]) -> str:
    """Write ``lines`` to ``path`` (folders made), print them, and return the text."""
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    print(text)
    return text
