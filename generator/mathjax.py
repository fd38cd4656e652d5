"""Anki desktop's own MathJax, found offline in the installed `aqt` wheel (an optional extra).

The wheel ships MathJax 3 (`_aqt/data/web/js/vendor/mathjax/`) and the configuration Anki's
reviewer loads before it (`_aqt/data/web/js/mathjax.js`). They are located through the wheel's
installed file list (importlib.metadata), never by importing `aqt`/`_aqt` (which needs Qt).
`pip install --no-deps aqt==<anki version>` installs them without Qt.

A page typesets like Anki's reviewer when it loads `page_scripts()` and then runs
`MathJax.startup.promise.then(() => (MathJax.typesetClear(), MathJax.typesetPromise([qa])))`.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

DISTRIBUTION = "aqt"
CONFIG = "_aqt/data/web/js/mathjax.js"
VENDOR = "_aqt/data/web/js/vendor/mathjax"
SCRIPT = "tex-chtml-full.js"
INSTALL_HINT = "pip install --no-deps aqt==<your anki version>"


@dataclass(frozen=True)
class AnkiMathJax:
    """Where Anki's MathJax files are on this machine."""

    config: Path  # Anki's window.MathJax configuration (mathjax.js)
    vendor: Path  # the MathJax 3 folder its loader path points at
    aqt_version: str

    @property
    def script(self) -> Path:
        """The MathJax component Anki loads after its configuration."""
        return self.vendor / SCRIPT

    @property
    def mathjax_version(self) -> str:
        """MathJax's own version string, read from the component (e.g. 3.2.2)."""
        text = self.script.read_text(encoding="utf-8", errors="replace")
        at = text.find('VERSION="3.')
        return text[at + 9 : text.index('"', at + 9)] if at >= 0 else "3"


def find_mathjax() -> AnkiMathJax | None:
    """Anki's MathJax from the installed `aqt` distribution; None when it is not installed or
    its files are missing."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    listed = {str(f).replace("\\", "/") for f in dist.files or []}
    if CONFIG not in listed or f"{VENDOR}/{SCRIPT}" not in listed:
        return None
    config = Path(str(dist.locate_file(CONFIG)))
    vendor = Path(str(dist.locate_file(VENDOR)))
    if not config.is_file() or not (vendor / SCRIPT).is_file():
        return None
    return AnkiMathJax(config.resolve(), vendor.resolve(), dist.version)


FONTS = "output/chtml/fonts/woff-v2"
COPIED_CONFIG = "mathjax-config.js"
COPIED_SCRIPT = "mathjax-tex-chtml-full.js"


def page_scripts(mathjax: AnkiMathJax, *, report_errors: bool = False, typeset: bool = False,
                 copied: bool = False) -> str:
    """The <script> elements that load Anki's configuration and MathJax into a page, with the
    loader path pointed at the vendor folder on disk (Anki serves it as /_anki/js/vendor/mathjax),
    or with `copied`, at the files of copied_files() beside the page.
    `report_errors` removes Anki's `noerrors` and `noundefined` packages, so a TeX error is
    typeset as an error node carrying its message (data-mjx-error) instead of the TeX source;
    `typeset` typesets the page once MathJax is ready (Anki's config leaves that to the reviewer)."""
    if copied:
        config, script = COPIED_CONFIG, COPIED_SCRIPT
        tweaks = ['window.MathJax.loader.paths.mathjax = new URL(".", document.baseURI).href.replace(/\\/$/, "");',
                  'window.MathJax.chtml = Object.assign(window.MathJax.chtml || {}, '
                  '{fontURL: window.MathJax.loader.paths.mathjax});']
    else:
        config, script = mathjax.config.as_uri(), mathjax.script.as_uri()
        tweaks = [f"window.MathJax.loader.paths.mathjax = {json.dumps(mathjax.vendor.as_uri())};"]
    if report_errors:
        tweaks.append(_NO_ERROR_HIDING)
    if typeset:
        tweaks.append("window.MathJax.startup.typeset = true;")
    return (f'<script src="{config}"></script>\n'
            f"<script>{' '.join(tweaks)}</script>\n"
            f'<script src="{script}"></script>\n')


def copied_files(mathjax: AnkiMathJax) -> dict[str, bytes]:
    """Anki's configuration, MathJax and its fonts as flat files, for a page that carries its
    own copy (the preview gallery): name → bytes, for page_scripts(copied=True)."""
    files = {COPIED_CONFIG: mathjax.config.read_bytes(), COPIED_SCRIPT: mathjax.script.read_bytes()}
    files.update({font.name: font.read_bytes() for font in sorted((mathjax.vendor / FONTS).glob("*.woff"))})
    return files


# Anki adds its packages with "[+]"; noerrors and noundefined are also in the full component's
# defaults, so they are removed with "[-]" (and from what the loader loads).
_NO_ERROR_HIDING = (
    "(function (mj) { const off = ['noerrors', 'noundefined'];"
    " mj.tex.packages['[+]'] = mj.tex.packages['[+]'].filter(p => !off.includes(p));"
    " mj.tex.packages['[-]'] = (mj.tex.packages['[-]'] || []).concat(off);"
    " mj.loader.load = mj.loader.load.filter(p => !off.some(o => p === '[tex]/' + o)); })(window.MathJax);"
)
