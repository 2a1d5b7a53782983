"""Key-figure cards drawn as one HTML block per section (issue 12 point 7).

A card shows what ``st.metric`` showed: a label, the value, the change (with an arrow for its
direction), the definition (a "?" button described by the text, which shows under it on hover and focus), and notes
under the box (the kommun's place, the coverage of an area's value). A plain note (no value)
stands in the row as an info box. One ``st.html`` for a section's cards instead of a column
block, a column and a metric and a caption or two per card: Översikt drew ~60 Streamlit
elements for its 19 cards, each laid out by the browser on every kommun change. The text is
real text in the page, read in order (a list of cards: label, value, change, notes), not an
image.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass

import streamlit as st

# three cards to a row (four cut values and changes short at 1280 px); the look of
# st.metric with border=True and delta_color="off"; colours from the text colour
# (currentColor), so Streamlit's dark theme keeps them readable
STYLE = """<style>
.kort-rad { display: grid; gap: 1rem; grid-template-columns: repeat(6, minmax(0, 1fr)); }
.kort-rad > .kort { grid-column: span 2; }
.kort-rad > .kort:last-child:nth-child(3n+1), .kort-rad > .kort:last-child:nth-child(3n+2),
.kort-rad > .kort:nth-last-child(2):nth-child(3n+1) { grid-column: span 3; }
.kort-rad.hel > .kort { grid-column: 1 / -1; }
@media (max-width: 640px) { .kort-rad > .kort { grid-column: 1 / -1 !important; } }
.kort-ruta { border: 1px solid color-mix(in srgb, currentColor 20%, transparent);
  border-radius: 0.5rem; padding: calc(1rem - 1px); }
.kort p { margin: 0; }
.kort-etikett { font-size: 0.875rem; line-height: 1.4; display: flex; gap: 0.5rem;
  align-items: flex-start; }
.kort-hjalp { flex: none; display: inline-flex; width: 1rem; height: 1rem; margin-top: 0.1rem;
  border: 1.5px solid color-mix(in srgb, currentColor 60%, transparent); border-radius: 50%;
  font-size: 0.7rem; font-weight: 600; line-height: 1; align-items: center;
  justify-content: center; color: color-mix(in srgb, currentColor 75%, transparent);
  cursor: help; background: transparent; padding: 0; font-family: inherit; }
.kort-etikett { position: relative; }
.kort-tips { display: none; position: absolute; z-index: 10; left: 0; right: 0;
  top: calc(100% + 0.25rem); padding: 0.5rem 0.75rem; border-radius: 0.5rem;
  font-size: 0.875rem; line-height: 1.4; background: #31333f; color: #fafafa;
  font-weight: 400; }
/* once shown by the "?", the tip stays while the pointer is on the label or on the tip (the
   gap above it is part of it), so the pointer can move onto it (WCAG 1.4.13 hoverable;
   TIP_SCRIPT: the class kort-oppen); Esc hides it until the pointer and focus leave (the
   class kort-stangd) */
.kort-tips::before { content: ""; position: absolute; left: 0; right: 0; top: -0.25rem;
  height: 0.25rem; }
.kort-hjalp:hover + .kort-tips, .kort-hjalp:focus + .kort-tips,
.kort-tips:hover, .kort-etikett.kort-oppen .kort-tips { display: block; }
.kort-etikett.kort-stangd .kort-tips { display: none; }
.kort-varde { font-size: 2.25rem; line-height: 1.3; padding: 0.25rem 0 0 0; }
.kort-delta { display: inline-block; margin-top: 0.25rem !important; font-size: 0.875rem;
  padding: 0.05rem 0.5rem; border-radius: 1rem;
  color: color-mix(in srgb, currentColor 80%, transparent);
  background: color-mix(in srgb, currentColor 7%, transparent); }
.kort-not { font-size: 0.875rem; line-height: 1.5; margin-top: 1rem !important;
  color: color-mix(in srgb, currentColor 75%, transparent); }
.kort-info { border-radius: 0.5rem; padding: 1rem; font-size: 1rem; line-height: 1.5;
  background: rgba(28, 131, 225, 0.1); color: color-mix(in srgb, #1c83e1 55%, currentColor); }
</style>"""


HELP_NAME = "? Definition"  # the "?" button's name: its visible text first
# A card's definition, once shown by the "?", stays while the pointer is on the label or the
# tip; Esc hides it until the pointer and the focus leave (WCAG 1.4.13: hoverable,
# dismissable without moving); run once per browser page (swedish.install)
TIP_SCRIPT = """<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  const win = doc.defaultView || window;
  if (win.__kortTips) return;
  win.__kortTips = true;
  const open = () => Array.from(doc.querySelectorAll(".kort-etikett")).filter(
    (el) => el.matches(":hover") || el.contains(doc.activeElement));
  doc.addEventListener("keydown", (e) => {
    if (e.key === "Escape") open().forEach((el) => el.classList.add("kort-stangd"));
  });
  const reopen = () => doc.querySelectorAll(".kort-stangd").forEach((el) => {
    if (!el.matches(":hover") && !el.contains(doc.activeElement)) {
      el.classList.remove("kort-stangd");
    }
  });
  doc.addEventListener("mouseover", (e) => {
    const on = e.target.closest ? e.target.closest(".kort-etikett") : null;
    if (on && e.target.closest(".kort-hjalp")) on.classList.add("kort-oppen");
    doc.querySelectorAll(".kort-oppen").forEach((el) => {
      if (el !== on) el.classList.remove("kort-oppen");
    });
    reopen();
  });
  doc.addEventListener("focusin", reopen);
})();
</script>"""


@dataclass(frozen=True)
class CardView:
    """One card: ``label``, ``value``, ``delta`` (its text; a leading '−' points down) and
    ``help`` (the definition) as st.metric took them, ``notes`` under the box (markdown
    **bold** only), or only ``info``: a plain note in the row instead of a value."""

    label: str = ""
    value: str = ""
    delta: str | None = None
    help: str | None = None
    notes: tuple[str, ...] = ()
    info: str | None = None


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _text(markdown: str) -> str:
    """Escaped text with markdown's **bold** as <strong> (the only markup cards use)."""
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(markdown, quote=False))


def _arrow(delta: str) -> str:
    if delta.startswith("−"):
        return '<span aria-hidden="true">↓ </span>'
    if delta.startswith("+"):
        return '<span aria-hidden="true">↑ </span>'
    return ""


def card_html(card: CardView) -> str:
    """One card as HTML (a list item)."""
    if card.info is not None:
        return f'<div class="kort" role="listitem"><div class="kort-info" role="note">' \
               f'{_text(card.info)}</div></div>'
    label = html.escape(card.label)
    help_ = ""
    if card.help:
        text = html.escape(f"Definition: {card.help}")
        tip = f"kort-tips-{zlib.crc32((card.label + card.help).encode()):08x}"
        # a button (focusable by keyboard, and a tap focuses it) named by its visible "?"
        # first (WCAG 2.5.3), described by the definition, which shows under it on hover
        # and focus (a title tooltip shows on hover only)
        help_ = f'<button type="button" class="kort-hjalp" aria-label="{HELP_NAME}" ' \
                f'aria-describedby="{tip}">?</button>' \
                f'<span class="kort-tips" id="{tip}" role="tooltip">{text}</span>'
    delta = f'<p class="kort-delta">{_arrow(card.delta)}{html.escape(card.delta)}</p>' \
        if card.delta else ""
    notes = "".join(f'<p class="kort-not">{_text(n)}</p>' for n in card.notes)
    return (f'<div class="kort" role="listitem">'
            f'<div class="kort-ruta"><p class="kort-etikett"><span>{label}</span>{help_}</p>'
            f'<p class="kort-varde">{html.escape(card.value)}</p>{delta}</div>{notes}</div>')


def row_html(cards: list[CardView], *, whole: bool = False) -> str:
    """Cards side by side as rows of st.columns placed them: three to a row, the last row's
    one or two cards half the width each (STYLE); ``whole``: each card the whole width. One
    column on a narrow screen."""
    return (f'<div class="kort-rad{" hel" if whole else ""}" role="list">'
            + "".join(card_html(c) for c in cards) + "</div>")


def draw(cards: list[CardView], *, whole: bool = False) -> None:
    """The cards as one element (nothing for no cards)."""
    if cards:
        st.html(row_html(cards, whole=whole))
