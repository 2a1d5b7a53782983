"""Pages that are not a list of indicators: each module has ``render(sel)``, named in
ui/pages.yml as ``renderer: ui.pages.<module>``."""
