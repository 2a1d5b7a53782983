"""Write the deck's plain template: ``python -m exports.template [path]``.

python-pptx's own default theme (Calibri, white), 16:9 (33,867 × 19,05 cm, PowerPoint's own widescreen size), no slides. The deck
uses the "Blank" layout and draws its own text boxes, so a user's own .pptx/.potx with any
layouts works as well (exports.deck.open_template).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pptx import Presentation
from pptx.util import Emu

from exports.deck import TEMPLATE


def write(path: Path = TEMPLATE) -> Path:
    """Write the template to ``path``."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # PowerPoint's 16:9
    prs.core_properties.title = "Mötesunderlag – Arbetsmarknadsläget"
    prs.core_properties.author = "Arbetsmarknadsläget"
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(path)
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
