"""Which Chromium draws the chart images (exports/images.py): Debian's headless shell when
installed (the same images for ~40 % less CPU per export browser, issue 12 point 8), else
Debian's chromium; BROWSER_PATH and CHROMIUM_PATH override. No browser is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from exports import images


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)


def test_the_headless_shell_is_preferred_when_installed(no_override, monkeypatch):
    installed = {images.HEADLESS_SHELL, "/usr/bin/chromium"}
    monkeypatch.setattr(Path, "is_file", lambda self: str(self) in installed)
    assert images.browser_path() == "/usr/bin/chromium-headless-shell"
    installed.discard(images.HEADLESS_SHELL)  # only Debian's chromium: as before
    assert images.browser_path() == "/usr/bin/chromium"


def test_a_browser_named_in_the_environment_wins(no_override, monkeypatch, tmp_path):
    named = tmp_path / "chromium"
    named.write_text("")
    monkeypatch.setenv("BROWSER_PATH", str(named))
    assert images.browser_path() == str(named)
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing"))
    assert images.browser_path() is None  # named but missing: no silent fallback
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("CHROMIUM_PATH", str(named))  # the other name, the same rule
    assert images.browser_paths() == [str(named)]


def test_a_shell_that_cannot_start_falls_back_to_chromium(no_override, monkeypatch):
    """An installed but broken headless shell must not turn chart images off while Debian's
    chromium would draw them (review, stop 23); when every browser fails, one message names
    them all."""
    installed = {images.HEADLESS_SHELL, "/usr/bin/chromium"}
    monkeypatch.setattr(Path, "is_file", lambda self: str(self) in installed)
    monkeypatch.setattr(images.shutil, "which", lambda name: None)
    started = []

    class Exporter:
        def __init__(self, launcher, guard):
            started.append(launcher)
            if "headless-shell" in launcher:
                raise OSError("kraschade vid start")

    monkeypatch.setattr(images, "quiet_launcher", lambda path: path)
    monkeypatch.setattr(images, "_Exporter", Exporter)
    monkeypatch.setattr(images, "_exporter", None)
    assert isinstance(images._ensure(), Exporter)
    assert started == [images.HEADLESS_SHELL, "/usr/bin/chromium"]

    installed.discard("/usr/bin/chromium")
    monkeypatch.setattr(images, "_exporter", None)
    with pytest.raises(images.ExportUnavailable, match="chromium-headless-shell.*kraschade"):
        images._ensure()
