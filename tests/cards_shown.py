"""The key-figure cards an AppTest run drew (ui/cards.py: one st.html per row of cards), read
back from the HTML sent to the browser: what a reader sees, as st.metric's label, value and
delta were read before. Bold text (<strong>) reads back as markdown's **…**; what is hidden
from screen readers (the arrows) is left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ShownCard:
    """One card as shown: ``info`` alone for a plain note in a row of cards."""

    label: str = ""
    value: str = ""
    delta: str | None = None
    help: str | None = None  # the "?"'s description (its tooltip): "Definition: …"
    help_name: str | None = None  # the "?"'s accessible name
    notes: list[str] = field(default_factory=list)
    info: str | None = None


_PARTS = {"kort-etikett": "label", "kort-varde": "value", "kort-delta": "delta",
          "kort-not": "notes", "kort-info": "info"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[ShownCard] = []
        self.part: str | None = None
        self.text = ""
        self.depth = 0  # open elements inside the part
        self.hidden = 0  # open aria-hidden or help elements
        self.tip: str | None = None  # the open tooltip's text
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "kort" in classes:
            self.cards.append(ShownCard())
        if self.part is not None:
            self.depth += 1
            if self.hidden or found.get("aria-hidden") == "true" or "kort-hjalp" in classes \
                    or "kort-tips" in classes:
                self.hidden += 1
            if "kort-hjalp" in classes:
                self.cards[-1].help_name = found.get("aria-label")
            if "kort-tips" in classes:  # read by the "?" (aria-describedby), not the label
                self.tip = ""
            if tag == "strong" and not self.hidden:
                self.text += "**"
            return
        part = next((_PARTS[c] for c in classes if c in _PARTS), None)
        if part is not None:
            self.part, self.text, self.depth = part, "", 0

    def handle_endtag(self, tag: str) -> None:
        if self.part is None:
            return
        if self.depth:
            self.depth -= 1
            if self.hidden:
                self.hidden -= 1
                if self.tip is not None and not self.hidden:
                    self.cards[-1].help, self.tip = self.tip.strip(), None
            elif tag == "strong":
                self.text += "**"
            return
        card, text = self.cards[-1], self.text.strip()
        if self.part == "notes":
            card.notes.append(text)
        else:
            setattr(card, self.part, text)
        self.part = None

    def handle_data(self, data: str) -> None:
        if self.tip is not None:
            self.tip += data
        if self.part is not None and not self.hidden:
            self.text += data


def cards(at) -> list[ShownCard]:
    """Every card the run drew (main area and sidebar), in order."""
    reader = _Reader()
    for element in at.get("html"):
        body = element.proto.body
        if 'class="kort' in body:
            reader.feed(body)
    return reader.cards
