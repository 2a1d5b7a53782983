"""Swedish where Streamlit and plotly.js speak English: plotly's toolbar and date formats, and
Streamlit's own texts (selectbox placeholders, the file uploader, tooltips, the running
indicator).

plotly.js as bundled by Streamlit (3.x) registers only English, so the Swedish locale is passed
with every chart in its config (``locales``: the modebar titles plotly.js asks for, month and
day names, decimal comma and space as thousands separator); nothing is fetched from a CDN.
Streamlit has no setting for its interface language: a small script, run once per browser
page, replaces its fixed English texts (text, placeholder, title and aria-label) with Swedish
as they appear; what it cannot name is hidden by CSS (the ⋮ menu is hidden by
``client.toolbarMode = "minimal"`` in .streamlit/config.toml).
"""

from __future__ import annotations

import json

import streamlit as st

PLOTLY_LOCALE = {
    "dictionary": {
        "Autoscale": "Anpassa axlarna",
        "Box Select": "Välj med rektangel",
        "Cancel": "Avbryt",
        "Compare data on hover": "Jämför värden vid pekaren",
        "Double-click on legend to isolate one trace": "Dubbelklicka på en förklaring för att "
                                                       "visa bara den linjen",
        "Double-click to zoom back out": "Dubbelklicka för att zooma ut",
        "Download plot": "Ladda ned diagrammet",
        "Download plot as a PNG": "Ladda ned diagrammet som bild (PNG)",
        "Download plot as JSON": "Ladda ned diagrammet som JSON",
        "Image download succeeded": "Bilden är nedladdad",
        "JSON download succeeded": "JSON-filen är nedladdad",
        "Lasso Select": "Välj med lasso",
        "Pan": "Panorera",
        "Preparing image - this may take a few seconds": "Bilden skapas – det kan ta några "
                                                         "sekunder",
        "Reset": "Återställ",
        "Reset axes": "Återställ axlarna",
        "Reset view": "Återställ vyn",
        "Reset views": "Återställ vyerna",
        "Show closest data on hover": "Visa närmaste värde vid pekaren",
        "Sorry, there was a problem downloading your JSON file!": "JSON-filen kunde inte "
                                                                  "laddas ned.",
        "Sorry, there was a problem downloading your image!": "Bilden kunde inte laddas ned.",
        "Toggle Spike Lines": "Visa eller dölj hjälplinjer",
        "Toggle show closest data on hover": "Visa eller dölj närmaste värde vid pekaren",
        "Zoom": "Zooma",
        "Zoom in": "Zooma in",
        "Zoom out": "Zooma ut",
    },
    "format": {
        "days": ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
        "shortDays": ["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
        "months": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                   "september", "oktober", "november", "december"],
        "shortMonths": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
                        "nov", "dec"],
        "date": "%Y-%m-%d",
        "decimal": ",",
        "thousands": "\u00a0",
    },
}

# every chart's config: the Swedish locale, no plotly logo, PNG at twice the size
PLOTLY_CONFIG = {"displaylogo": False, "locale": "sv", "locales": {"sv": PLOTLY_LOCALE},
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "toggleSpikelines"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}

# Streamlit's fixed English texts -> Swedish (whole text of an element or attribute)
TEXTS = {
    "Choose an option": "Välj",
    "Choose options": "Välj",
    "No options to select": "Inget att välja",
    "No options to select.": "Inget att välja",
    "No results": "Inga träffar",
    "Drag and drop file here": "Dra och släpp en fil här",
    "Drag and drop files here": "Dra och släpp filer här",
    "Browse files": "Välj fil",
    "Upload": "Ladda upp",
    "Press Enter to apply": "Tryck Enter för att använda",
    "Press Enter to submit form": "Tryck Enter för att skicka",
    "Press ⌘+Enter to apply": "Tryck ⌘+Enter för att använda",
    "Press Ctrl+Enter to apply": "Tryck Ctrl+Enter för att använda",
    "Fullscreen": "Helskärm",
    "Close fullscreen": "Stäng helskärm",
    "Exit fullscreen": "Stäng helskärm",
    "Download as CSV": "Ladda ned som CSV",
    "Download": "Ladda ned",
    "Search": "Sök",
    "Clear": "Rensa",
    "Clear all": "Rensa allt",
    "Select all": "Välj alla",  # a multiselect's first option; the table's column menu
    "Selected values": "Valda",  # a multiselect's chosen items, read out by a screen reader
    "Clear value": "Rensa",
    "Remove": "Ta bort",
    "Delete": "Ta bort",
    "Open": "Öppna",
    "Close": "Stäng",
    "Running...": "Arbetar …",
    "Stop": "Stoppa",
    "Connecting": "Ansluter",
    "Please wait...": "Vänta …",
    "Show password text": "Visa lösenordet",
    "Hide password text": "Dölj lösenordet",
    "Collapse sidebar": "Dölj menyn",
    "Expand sidebar": "Visa menyn",
    "Open sidebar": "Visa menyn",
    "Close sidebar": "Dölj menyn",
    "Copy to clipboard": "Kopiera",
    "Show/hide columns": "Visa/dölj kolumner",
    "Add row": "Lägg till rad",
    "Delete row(s)": "Ta bort rader",
    "Sort ascending": "Sortera stigande",
    "Sort descending": "Sortera fallande",
    "Pin column": "Fäst kolumnen",
    "Unpin column": "Lossa kolumnen",
    "Hide column": "Dölj kolumnen",
    "Autosize": "Anpassa bredd",
    "Format": "Format",
    "Automatic": "Automatiskt",
    # walk28b (WCAG 3.1.2: no English on a Swedish page): the skip link, tab arrows, a
    # heading's link (none is drawn: anchor=False), the widgets' help icon, the combobox's
    # screen-reader texts (react-aria's own Swedish words)
    "Skip to main content": "Hoppa till huvudinnehållet",
    "Scroll tabs left": "Rulla flikarna åt vänster",
    "Scroll tabs right": "Rulla flikarna åt höger",
    "Link to heading": "Länk till rubriken",
    "Help": "Hjälp",
    "Show suggestions": "Visa förslag",
    "Suggestions": "Förslag",
}
# texts with a variable part: a regular expression (JS syntax) and its Swedish replacement
PATTERNS = [
    (r"^Limit (\d+)\s?MB per file(.*)$", "Högst $1 MB per fil$2"),
    (r"^(\d+)\s?MB per file(.*)$", "Högst $1 MB per fil$2"),
    (r"^Selected (\d+) options?$", "$1 valda"),
    (r"^Select (\d+) matches$", "Välj alla $1 träffar"),  # the same option while searching
    (r"^Help for (.+)$", "Hjälp om $1"),  # a widget's help icon: "Hjälp om Kommun"
    (r"^([\d,]+) options? available\.?$", "$1 alternativ tillgängliga."),  # the combobox
    (r"^(.+), selected$", "$1, vald"),
]

_SCRIPT = """<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  const win = doc.defaultView || window;
  if (win.__svStreamlit) return;
  win.__svStreamlit = true;
  const TEXTS = %(texts)s;
  const PATTERNS = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const ATTRS = ["placeholder", "title", "aria-label", "data-title"];
  const swap = (value) => {
    if (!value) return null;
    const trimmed = value.trim();
    if (Object.prototype.hasOwnProperty.call(TEXTS, trimmed)) {
      return value.replace(trimmed, TEXTS[trimmed]);
    }
    for (const [re, to] of PATTERNS) {
      if (re.test(trimmed)) return value.replace(trimmed, trimmed.replace(re, to));
    }
    return null;
  };
  const fixNode = (node) => {
    if (node.nodeType === 3) {
      const next = swap(node.nodeValue);
      if (next !== null && next !== node.nodeValue) node.nodeValue = next;
      return;
    }
    if (node.nodeType !== 1) return;
    // a static table's box scrolls sideways on a phone: reachable by keyboard (WCAG 2.1.1,
    // axe's scrollable-region-focusable), named by its table's name
    if (node.matches && node.matches('[data-testid="stTable"] > div')
        && !node.hasAttribute("tabindex")) {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "region");
      const table = node.querySelector("table[aria-label]");
      node.setAttribute("aria-label", table ? table.getAttribute("aria-label") : "Tabell");
    }
    for (const attr of ATTRS) {
      if (node.hasAttribute && node.hasAttribute(attr)) {
        const next = swap(node.getAttribute(attr));
        if (next !== null && next !== node.getAttribute(attr)) node.setAttribute(attr, next);
      }
    }
  };
  const walk = (root) => {
    fixNode(root);
    if (root.nodeType !== 1) return;
    const it = doc.createTreeWalker(root, 5);  // elements and text
    let node = it.nextNode();
    while (node) { fixNode(node); node = it.nextNode(); }
  };
  new win.MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "characterData") fixNode(change.target);
      else if (change.type === "attributes") fixNode(change.target);
      else change.addedNodes.forEach(walk);
    }
  }).observe(doc.body, {subtree: true, childList: true, characterData: true,
                        attributes: true, attributeFilter: ATTRS});
  walk(doc.body);
  doc.documentElement.lang = "sv";
})();
</script>"""

_STYLE = """<style>
/* Streamlit's running indicator says "Running..." and "Stop" in English in a tooltip-less
   widget the script cannot always reach before it shows: hide it (the page greys while it
   redraws) */
[data-testid="stStatusWidget"] { visibility: hidden; }
/* the ⋮ menu and the "Deploy" button: nothing a reader needs (config also hides the menu) */
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"] { display: none; }
</style>"""


def script() -> str:
    """The translation script with its word lists filled in."""
    return _SCRIPT % {"texts": json.dumps(TEXTS, ensure_ascii=False),
                      "patterns": json.dumps(PATTERNS, ensure_ascii=False)}


def install(extra: str = "") -> None:
    """Put the Swedish texts in place for this browser page (the script runs once); ``extra``:
    another script of the frame's, sent in the same element (the cards' Esc)."""
    st.html(_STYLE + script() + extra, unsafe_allow_javascript=True)
