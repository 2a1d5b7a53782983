"""The dashboard's user interface: the shared frame, the page renderer and its building blocks.

Modules by what a page asks for (streamlit is imported only in ui/):

- ``ui.url_state``  the view as URL parameters, parsed and written back (pure, no streamlit)
- ``ui.page_spec``  the page catalogue ``ui/pages.yml`` (pure, no streamlit)
- ``ui.data``       the cached warehouse connection and queries
- ``ui.selection``  the controls (kommun, område, kön, period, referenslinje) bound to the URL
- ``ui.blocks``     cards, charts with their source line, member bars, SCB blocks
- ``ui.downloads``  the numbers behind a chart as files
- ``ui.groups``     kommun groups: lookups and share links
- ``ui.render``     the one renderer of a page declared as data
- ``ui.frame``      navigation, the selection bar, notices and the footer around every page
- ``ui.pages.*``    pages that are not a list of indicators (``render(sel)``)

Nothing is imported here, so ``import ui.url_state`` stays free of streamlit.
"""
