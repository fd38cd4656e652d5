"""Browser fixtures: one Chromium for the session, the real deck rendered once by Anki."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from cardcheck import (BLANK, CHROMIUM, CHROMIUM_ARGS, MEASURE_JS, ROOT, RenderedDeck, card_pages,
                       measure_args, render_deck)
from generator.mathjax import INSTALL_HINT, AnkiMathJax, find_mathjax
from generator.preview import CLIENTS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium (Debian's chromium package)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright. Missing is a failure, not a skip: CI installs it."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package "
                    "(apt-get install chromium; bash .ci/run does it)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def anki_mathjax() -> AnkiMathJax:
    """Anki desktop's MathJax and its configuration, from the `aqt` wheel (a test dependency,
    installed without its dependencies). Missing is a failure, not a skip: CI installs it."""
    found = find_mathjax()
    if found is None:
        pytest.fail(f"Anki's MathJax not found: {INSTALL_HINT} (bash .ci/run does it)", pytrace=False)
    return found


@pytest.fixture(scope="session")
def real_deck(tmp_path_factory: pytest.TempPathFactory) -> RenderedDeck:
    """The project's data/ (a copy: the build writes its lock), built and rendered by Anki."""
    return render_deck(ROOT / "data", tmp_path_factory.mktemp("real-deck"))


@pytest.fixture(scope="session")
def pages(real_deck: RenderedDeck, anki_mathjax: AnkiMathJax,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An empty page with Anki's MathJax beside the collection's media, and every side's
    document to load into it."""
    folder = tmp_path_factory.mktemp("pages")
    return folder / BLANK, card_pages(real_deck, folder, anki_mathjax)


@pytest.fixture(scope="session")
def measurements(browser: Any, real_deck: RenderedDeck,
                 pages: tuple[Path, dict[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(side, client) → {"light": metrics, "night": metrics}: one evaluate per side and client."""
    blank, docs = pages
    results = {}
    for client in CLIENTS:
        page = browser.new_page(viewport={"width": client.width, "height": client.height})
        page.goto(blank.as_uri())
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        for side in real_deck.sides:
            results[side.name, client.name] = page.evaluate(
                MEASURE_JS, measure_args(docs[side.name], client, side.ordinal))
        page.close()
    return results
