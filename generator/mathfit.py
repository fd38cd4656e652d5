"""Will a formula fit a phone? A rule of thumb for TeX widths, computed without a browser.

MathJax sets each formula at the card's font size scaled to match the font's x-height (18 px
CJK text on the phone: about 22 px per em). The width in em is estimated from the TeX: a width
per character class (letters, digits, operators with TeX's spacing around relations and binary
operators), scripts at 71 %, fractions as wide as their wider part, big operators and their
limits, text and spacing commands. tests/browser/ measures every formula of the deck typeset
by Anki's own MathJax at 360 px and reports how well this agrees (artifacts/math-widths.json);
the rule is tuned to err on the side of warning.
"""

from __future__ import annotations

import re

PHONE_WIDTH_PX = 360
PHONE_COLUMN_PX = 336  # 360 px less the card's padding on a phone (.mobile .card: 12 px each side)
PX_PER_EM = 22.1  # 18 px card text, which MathJax scales by about 1.23 to match the CJK x-height
SCRIPT = 0.71  # sub- and superscripts, and fraction parts in inline style

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}^_&~]|\s+|.", re.S)
_SPACES = {"\\quad": 1.0, "\\qquad": 2.0, "\\,": 0.167, "\\:": 0.222, "\\>": 0.222, "\\;": 0.278,
           "\\ ": 0.25, "~": 0.25, "\\!": -0.167, "\\enspace": 0.5, "\\thinspace": 0.167}
_RELATIONS = set("= < > :".split()) | {
    "\\le", "\\leq", "\\ge", "\\geq", "\\approx", "\\to", "\\in", "\\sim", "\\simeq", "\\equiv",
    "\\neq", "\\ne", "\\propto", "\\gets", "\\leftarrow", "\\rightarrow", "\\Rightarrow",
    "\\Leftarrow", "\\iff", "\\mapsto", "\\ll", "\\gg", "\\subset", "\\subseteq", "\\coloneqq",
    "\\approxeq", "\\cong", "\\leftrightarrow", "\\implies", "\\mid"}
_BINARY = set("+ - *".split()) | {"\\times", "\\cdot", "\\pm", "\\mp", "\\div", "\\circ", "\\oplus",
                                  "\\otimes", "\\cup", "\\cap", "\\wedge", "\\vee", "\\setminus", "\\odot"}
_BIG_OPERATORS = {"\\sum", "\\prod", "\\int", "\\oint", "\\bigcup", "\\bigcap", "\\coprod", "\\iint"}
_TEXT = {"\\text", "\\textrm", "\\textbf", "\\textit", "\\mathrm", "\\operatorname", "\\mathit",
         "\\textsf", "\\texttt", "\\mbox", "\\mathsf", "\\mathtt"}
_STYLE = {"\\mathbb", "\\mathcal", "\\mathbf", "\\boldsymbol", "\\bm", "\\hat", "\\widehat", "\\bar",
          "\\overline", "\\tilde", "\\widetilde", "\\vec", "\\dot", "\\ddot", "\\mathfrak",
          "\\mathscr", "\\underline", "\\check", "\\breve", "\\pmb", "\\color"}
_SIZES = {"\\big": 0.45, "\\Big": 0.6, "\\bigg": 0.7, "\\Bigg": 0.8, "\\left": 0.45, "\\right": 0.45,
          "\\bigl": 0.45, "\\bigr": 0.45, "\\Bigl": 0.6, "\\Bigr": 0.6, "\\biggl": 0.7, "\\biggr": 0.7,
          "\\middle": 0.45}
_FRACTIONS = {"\\frac": None, "\\dfrac": True, "\\tfrac": False, "\\cfrac": True, "\\binom": None}
_FUNCTIONS = {"\\log", "\\ln", "\\exp", "\\min", "\\max", "\\sin", "\\cos", "\\tan", "\\arg",
              "\\det", "\\lim", "\\sup", "\\inf", "\\dim", "\\ker", "\\Pr", "\\softmax", "\\argmax",
              "\\argmin", "\\tanh", "\\sigmoid", "\\exp"}
_NARROW = {"\\lvert": 0.28, "\\rvert": 0.28, "\\vert": 0.28, "|": 0.28, "\\Vert": 0.5, "\\|": 0.5,
           "\\{": 0.5, "\\}": 0.5, "(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28, "\\langle": 0.39,
           "\\rangle": 0.39, "\\lfloor": 0.45, "\\rfloor": 0.45, "\\lceil": 0.45, "\\rceil": 0.45,
           "/": 0.5, ".": 0.28, "'": 0.28, "!": 0.28, ";": 0.45, "\\prime": 0.28,
           "\\dots": 1.17, "\\ldots": 1.17, "\\cdots": 1.17, "\\vdots": 0.5, "\\ddots": 1.17,
           "\\infty": 1.0, "\\partial": 0.57, "\\nabla": 0.83, "\\ell": 0.42, "\\emptyset": 0.5}


MAX_GROUPS = 100  # {…} nested deeper than any real formula is estimated flat (the estimator recurses)


def formula_width_px(tex: str, display: bool) -> float:
    """The estimated width of a typeset formula, in CSS px on the phone."""
    body = re.sub(r"\\(?:begin|end)\{[^}]*\}(?:\{[^}]*\})?", "", tex)
    if body.count("{") > MAX_GROUPS and _deepest_group(body) > MAX_GROUPS:
        body = body.replace("{", " ").replace("}", " ")
    if "\\\\" not in body and "&" not in body:
        return _Estimator(body, display).total() * PX_PER_EM
    # lines (\\) of aligned columns (&): each column as wide as its widest cell
    columns: list[float] = []
    for line in re.split(r"\\\\(?:\s*\[[^\]]*\])?", body):  # a row break, with its spacing (\\[4pt])
        for i, cell in enumerate(re.split(r"(?<!\\)&", line)):
            width = _Estimator(cell, display).total()
            if i < len(columns):
                columns[i] = max(columns[i], width)
            else:
                columns.append(width)
    return sum(columns) * PX_PER_EM


def _deepest_group(tex: str) -> int:
    depth = deepest = 0
    for brace in re.findall(r"[{}]", tex):
        depth += 1 if brace == "{" else -1
        deepest = max(deepest, depth)
    return deepest


LIST_INDENT_PX = 24  # ul/ol indent on the card (padding-left 1.3em of 18 px text), per level


INLINE_MARGIN = 0.85  # inline math cannot wrap or scroll: keep a margin for the estimate's error


def fits_phone(tex: str, display: bool, indent_levels: int = 0) -> bool:
    """True when the formula is estimated to fit the phone's text column (narrower by one list
    indent per enclosing list: `indent_levels`); inline math only with a margin to spare."""
    column = PHONE_COLUMN_PX - LIST_INDENT_PX * indent_levels
    return formula_width_px(tex, display) <= column * (1.0 if display else INLINE_MARGIN)


class _Estimator:
    def __init__(self, tex: str, display: bool) -> None:
        self.tokens = [t for t in _TOKEN.findall(tex) if not t.isspace()]
        self.pos = 0
        self.display = display

    def total(self) -> float:
        return self.sequence(stop=None)

    def sequence(self, stop: str | None) -> float:
        width, last = 0.0, 0.0
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token == stop:
                self.pos += 1
                break
            if token in ("^", "_"):
                self.pos += 1
                scripts = self.atom() * SCRIPT
                if self.pos + 1 < len(self.tokens) and self.tokens[self.pos] in ("^", "_"):
                    self.pos += 1
                    scripts = max(scripts, self.atom() * SCRIPT)
                width += scripts if last >= 0 else max(0.0, scripts + last)
                last = 0.0
                continue
            if token in _BINARY and not width:  # a leading sign: no space around it, as in TeX
                self.pos += 1
                last = 0.78
            else:
                last = self.atom()
            width += last
        return width

    def group(self) -> float:
        """The next argument: a {group} or a single token."""
        if self.pos >= len(self.tokens):
            return 0.0
        if self.tokens[self.pos] == "{":
            self.pos += 1
            return self.sequence("}")
        return self.atom()

    def raw_group(self) -> str:
        if self.pos < len(self.tokens) and self.tokens[self.pos] == "{":
            depth, start = 0, self.pos
            while self.pos < len(self.tokens):
                depth += {"{": 1, "}": -1}.get(self.tokens[self.pos], 0)
                self.pos += 1
                if depth == 0:
                    break
            return "".join(self.tokens[start + 1 : self.pos - 1])
        token = self.tokens[self.pos] if self.pos < len(self.tokens) else ""
        self.pos += 1
        return token

    def atom(self) -> float:
        if self.pos >= len(self.tokens):
            return 0.0
        token = self.tokens[self.pos]
        self.pos += 1
        if token == "{":
            return self.sequence("}")
        if token in ("}", "&"):
            return 0.0
        if token in _SPACES:
            return _SPACES[token]
        if token in _RELATIONS:
            return 0.78 + 2 * 0.278
        if token in _BINARY:
            return 0.78 + 2 * 0.222
        if token == ",":
            return 0.28 + 0.167
        if token in _FRACTIONS:
            top, bottom = self.group(), self.group()
            full = self.display if _FRACTIONS[token] is None else _FRACTIONS[token]
            return max(top, bottom) * (1.0 if full else SCRIPT) + 0.24
        if token == "\\sqrt":
            if self.pos < len(self.tokens) and self.tokens[self.pos] == "[":
                while self.pos < len(self.tokens) and self.tokens[self.pos] != "]":
                    self.pos += 1
                self.pos += 1
            return self.group() + 0.85
        if token in _TEXT:
            text = self.raw_group()
            return sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in re.sub(r"\\.", "", text))
        if token in _STYLE:
            if token == "\\color":
                self.raw_group()
                return 0.0
            return self.group() * (1.1 if token in ("\\mathbb", "\\mathcal", "\\mathbf") else 1.0)
        if token in _SIZES:
            if self.pos < len(self.tokens):
                delimiter = self.tokens[self.pos]
                self.pos += 1
                return 0.0 if delimiter == "." else max(_SIZES[token], _NARROW.get(delimiter, 0.45))
            return 0.0
        if token in _BIG_OPERATORS:
            op = 1.44 if self.display else 1.0
            scripts = 0.0
            while self.pos < len(self.tokens) and self.tokens[self.pos] in ("^", "_"):
                self.pos += 1
                scripts = max(scripts, self.atom() * SCRIPT)
            return (max(op, scripts) if self.display else op + scripts) + 0.167
        if token in _FUNCTIONS:
            return 0.5 * (len(token) - 1) + 0.167
        if token in _NARROW:
            return _NARROW[token]
        if token.startswith("\\"):
            if len(token) <= 2:
                return 0.5  # \$, \%, \#…
            return 0.75 if token[1].isupper() else 0.6  # Greek letters and other symbols
        if token.isdigit():
            return 0.5
        if token.isascii() and token.isalpha():
            return 0.82 if token.isupper() else 0.52
        return 1.0 if ord(token) > 0x2E7F else 0.6


_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$|(`+)(?!`).+?(?<!`)\2(?!`)", re.M | re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$", re.S)


def formulas(markdown: str) -> list[tuple[str, bool]]:
    """The formulas of a Markdown field, code excluded: (TeX, display)."""
    if "$" not in markdown and "\\" not in markdown:
        return []
    text = _CODE.sub("", markdown) if "`" in markdown or "~~~" in markdown else markdown
    return [(next(g for g in m.groups() if g is not None), m.group(1) is not None or m.group(2) is not None)
            for m in _MATH.finditer(text)]


def math_fit_problems(markdown: str) -> list[str]:
    """Formulas estimated wider than a phone's text column, for lint to warn about. An inline
    one is shown in display form on its own line (generator.render), so it is measured so."""
    problems = []
    for tex, display in formulas(markdown):
        if fits_phone(tex, display):
            continue
        width = formula_width_px(tex, True)
        if width <= PHONE_COLUMN_PX:
            continue
        shown = " ".join(tex.split())
        problems.append(f"formula about {width:.0f} px wide scrolls sideways on a {PHONE_WIDTH_PX} px "
                        f"phone (column {PHONE_COLUMN_PX} px): split it over lines (\\begin{{aligned}} … "
                        f"\\\\ …) or define parts separately: '{shown[:48]}{'…' if len(shown) > 48 else ''}'")
    return problems
