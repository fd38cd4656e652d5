"""Stage 3, render: Markdown fields → sanitized HTML that Anki shows without JavaScript."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Sequence

from generator.mathfit import fits_phone

# markdown-it, Pygments and nh3 are imported where they are first used: a build whose notes
# all come from the cache (and `cardsmith --help`) never pays for loading them.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from pygments.formatters import HtmlFormatter

# Tags an author may write as raw HTML. Anything else that looks like a tag (List<int>) is text.
AUTHOR_TAGS = frozenset(
    "b i em strong u s del sub sup br hr kbd mark small code pre span div p ul ol li "
    "table thead tbody tr th td details summary blockquote".split()
)
ALLOWED_TAGS = AUTHOR_TAGS | {"a", "img", "h1", "h2", "h3", "h4", "h5", "h6"}
ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
    "details": {"open"},
    "ol": {"start"},
}
_TAG_NAME = re.compile(r"^</?([A-Za-z][A-Za-z0-9-]*)")
_ANY_TAG = re.compile(r"<[^>]+>")
MediaResolver = Callable[[str], str]


def strip_tags(html: str) -> str:
    """The text of rendered field HTML (entities left as they are): what length checks measure."""
    return _ANY_TAG.sub("", html)


@dataclass
class RenderEnv:
    """What one field's rendering reports back: problems and the media it referenced."""

    resolve_media: MediaResolver | None = None
    problems: list[str] = field(default_factory=list)
    media: set[str] = field(default_factory=set)


def _math_brackets(state: StateInline, silent: bool) -> bool:
    r"""Inline rule for \( … \) and \[ … \]: taken verbatim, before Markdown eats the backslashes."""
    src, pos = state.src, state.pos
    if not src.startswith(("\\(", "\\["), pos):
        return False
    closer = "\\)" if src[pos + 1] == "(" else "\\]"
    end = src.find(closer, pos + 2)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline" if closer == "\\)" else "math_inline_double", "math", 0)
        token.content = src[pos + 2 : end]
        token.markup = src[pos : pos + 2]
    state.pos = end + 2
    return True


def escapeHtml(raw: str) -> str:  # noqa: N802 - markdown-it's own name
    """markdown-it's escaper (& < > and double quotes), the one its renderer uses for text."""
    from markdown_it.common.utils import escapeHtml as escape

    return escape(raw)


def _render_inline_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "\\(" + escapeHtml(tokens[idx].content) + "\\)"


def _render_display_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    body = "\\[" + escapeHtml(tokens[idx].content.strip("\n")) + "\\]"
    return body if tokens[idx].type == "math_inline_double" else f'<div class="math">{body}</div>\n'


def _render_html(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Raw HTML passes (to the sanitizer) only for known tags; List<int> stays literal text."""
    content = tokens[idx].content
    match = _TAG_NAME.match(content.strip())
    if match and match.group(1).lower() in AUTHOR_TAGS:
        return content
    return escapeHtml(content)


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """markdown-it's fence (which calls _highlight), with the highlighted code set aside when
    render_markdown asked for it (env["code"]) and it is our own markup: see _set_aside()."""
    from markdown_it.renderer import RendererHTML

    html = RendererHTML.fence(self, tokens, idx, options, env)
    set_aside: list[str] | None = env.get("code") if isinstance(env, dict) else None
    if set_aside is None or not html.startswith('<pre class="code"><code'):
        return html
    span = _own_code(html)
    if span is None:
        return html
    set_aside.append(html[span[0] : span[1]])
    return html[: span[0]] + _marker(len(set_aside) - 1) + html[span[1] :]


def _own_code(html: str) -> tuple[int, int] | None:
    """Where the code is in _highlight's output, if it is only Pygments' spans and escaped,
    inert text (what the sanitizer would leave as it is, bar quotes: _normal_form)."""
    start, end = html.index(">", html.index("<code")) + 1, html.rindex("</code>")
    body = html[start:end]
    if body.count("<span") != body.count("</span>") or _NOT_INERT.search(_OWN_CODE_MARKUP.sub("", body)):
        return None
    return start, end


def _normal_form(code: str) -> str:
    """Our own highlighted code as the sanitizer writes it: quotes as plain characters."""
    return code.replace("&quot;", '"').replace("&#39;", "'")


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
    render_env: RenderEnv | None = env.get("cardsmith") if isinstance(env, dict) else None
    if render_env is None or render_env.resolve_media is None:
        return f'<img src="{escapeHtml(src)}" alt="{alt}">'
    try:
        name = render_env.resolve_media(src)
    except ValueError as exc:
        render_env.problems.append(str(exc))
        return ""
    render_env.media.add(name)
    css = ' class="diagram"' if src.startswith("diagram:") else ""
    return f'<img src="{escapeHtml(name)}" alt="{alt}"{css}>'


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name

    from generator.lexing import speed_up

    return speed_up(get_lexer_by_name(language, stripnl=False, ensurenl=False))


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter[str]:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True, classprefix="pg-")


def _highlight(code: str, language: str, attrs: str) -> str:
    """Pygments at build time: coloured code with no JavaScript on the card."""
    from pygments import highlight
    from pygments.util import ClassNotFound

    css_lang = escapeHtml(language) if language else "text"
    try:
        body = highlight(code, _lexer(language), _formatter()) if language else escapeHtml(code)
    except ClassNotFound:
        body = escapeHtml(code)
    return f'<pre class="code"><code class="language-{css_lang}">{body.rstrip(chr(10))}</code></pre>\n'


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """CommonMark + tables + math that reaches Anki as \\( \\) and \\[ \\]."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight})
    md.enable("table").enable("strikethrough")
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False,
           allow_blank_lines=False, double_inline=True)
    md.inline.ruler.before("escape", "math_brackets", _math_brackets)
    md.add_render_rule("math_inline", _render_inline_math)
    for name in ("math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(name, _render_display_math)
    md.add_render_rule("html_inline", _render_html)
    md.add_render_rule("html_block", _render_html)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_fence)
    md.core.ruler.after("inline", "display_math_out_of_paragraphs", display_math_out_of_paragraphs)
    return md


def display_math_out_of_paragraphs(state: Any) -> None:
    """Display math ($$…$$, \\[…\\]) written inside a paragraph (a text line right before it, no
    blank line) becomes a math block of its own: the paragraph is split around it, so the
    formula lands in the scrolling <div class="math"> box like display math set apart. So does
    inline math too wide for a phone's line (generator.mathfit: MathJax 3 cannot wrap it)."""
    from markdown_it.token import Token

    def display(token: Token) -> bool:
        return token.type == "math_inline_double" or (
            token.type == "math_inline" and not fits_phone(token.content, display=False))

    tokens: list[Token] = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        opened, inline = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
        if (opened.type != "paragraph_open" or inline is None or inline.type != "inline"
                or not any(display(c) for c in inline.children or [])):
            out.append(opened)
            i += 1
            continue
        closed = tokens[i + 2]
        segment: list[Token] = []
        for child in [*(inline.children or []), None]:
            if child is not None and not display(child):
                segment.append(child)
                continue
            while segment and segment[-1].type in ("softbreak", "hardbreak"):
                segment.pop()
            while segment and segment[0].type in ("softbreak", "hardbreak"):
                segment.pop(0)
            if segment and segment[0].type == "text":
                segment[0].content = segment[0].content.lstrip()
            if segment and segment[-1].type == "text":
                segment[-1].content = segment[-1].content.rstrip()
            if any(c.type != "text" or c.content for c in segment):
                part = Token("inline", "", 0, map=inline.map, level=inline.level, children=segment,
                             content="".join(c.content for c in segment))
                out += [_copy_token(opened), part, _copy_token(closed)]
            segment = []
            if child is not None:
                out.append(Token("math_block", "math", 0, content=child.content, markup="$$",
                                 map=inline.map, level=opened.level, block=True))
        i += 3
    state.tokens = out


def _copy_token(token: Any) -> Any:
    from markdown_it.token import Token

    return Token(token.type, token.tag, token.nesting, map=token.map, level=token.level,
                 block=token.block, hidden=token.hidden, markup=token.markup)


_SANITIZER_OPTIONS: dict[str, Any] = dict(
    tags=set(ALLOWED_TAGS),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes={"http", "https"},
    strip_comments=True,
    link_rel="noopener noreferrer",
    filter_style_properties={"text-align"},
)


@lru_cache(maxsize=1)
def _sanitizer() -> Callable[[str], str]:
    """nh3's sanitizer, configured once: passing the options on every call costs more than
    cleaning a short field."""
    import nh3

    if hasattr(nh3, "Cleaner"):  # nh3 >= 0.2.18
        return nh3.Cleaner(**_SANITIZER_OPTIONS).clean
    return lambda html: nh3.clean(html, **_SANITIZER_OPTIONS)  # pragma: no cover


def load_renderer() -> None:
    """Import and configure markdown-it and the sanitizer now rather than at the first note."""
    markdown()
    _sanitizer()


def sanitize(html: str) -> str:
    """Allowlist sanitizer: no scripts, handlers, javascript: URLs, iframes or <style>."""
    return _sanitizer()(html)


def render_markdown(text: str, env: RenderEnv | None = None) -> str:
    """One Markdown field → sanitized HTML (trailing newline stripped)."""
    direct = _blocks(text) if "```" in text else _paragraph(text)
    if direct is not None:
        return direct
    body = _plain_body(text)
    if body is not None:  # plain, but with characters the sanitizer rewrites
        return sanitize(f"<p>{escapeHtml(body)}</p>\n").strip()
    set_aside: list[str] | None = [] if _MARK not in text else None
    html = markdown().render(text, {"cardsmith": env or RenderEnv(), "code": set_aside})
    if not set_aside:
        return sanitize(html).strip()
    return _restored(sanitize(html), set_aside) or sanitize(_restored(html, set_aside, raw=True)).strip()


# Highlighted code is most of the HTML the sanitizer would read, and it is our own: Pygments'
# spans and escaped text. It is set aside behind a marker while the rest is sanitized, then put
# back in the sanitizer's normal form, so the result is byte for byte what sanitizing it all
# gives (tests/test_render.py checks this on generated code in many languages). Text passes
# the sanitizer unchanged when it has no markup characters and none of _NOT_INERT; of
# Pygments' escapes, the sanitizer writes quotes as plain characters.
_MARK = "\ue000"  # private use; a field that contains it is sanitized the plain way
_OWN_CODE_MARKUP = re.compile(r'<span class="pg-[A-Za-z0-9_ -]*">|</span>|&(?:amp|lt|gt|quot|#39);')
_NOT_INERT = re.compile("[<>&\x00-\x08\x0b-\x1f\x7f-\xa0\ud800-\udfff\ue000\ue001\ufdd0-\ufdef\ufffe\uffff]")


def _marker(index: int) -> str:
    return f"{_MARK}{index}\ue001"


def _restored(html: str, set_aside: list[str], raw: bool = False) -> str:
    """`html` with the code put back (sanitized form unless `raw`); "" if a marker is missing."""
    for index, body in enumerate(set_aside):
        marker = _marker(index)
        if html.count(marker) != 1:
            return ""
        html = html.replace(marker, body if raw else _normal_form(body))
    return html.strip()


# What makes text more than one plain paragraph to this renderer: whitespace other than
# spaces and line breaks, a control character, a character that may start any construct it
# knows (emphasis, code, links, images, HTML, entities, escapes, math, tables, strikethrough),
# a line that starts like a list, quote or setext underline, with a space, or ends with one
# (hard breaks), and an empty line (a second paragraph).
_NOT_PLAIN = re.compile(r"[^\S \n]|[\x00-\x09\x0b-\x1f\x7f-\x9f\\`*_\[\]<>&#|$~]|^[-+=:>0-9 ]|[ ]$|^$", re.M)


def plain_paragraph(text: str) -> str | None:
    """What markdown-it makes of one paragraph of plain text, computed directly (most fronts
    and many answers are just that); None when the text may hold any Markdown at all.
    tests/test_render.py checks it against markdown-it on generated and real text."""
    body = _plain_body(text)
    return None if body is None else "<p>" + escapeHtml(body) + "</p>\n"


def _paragraph(text: str) -> str | None:
    """render_markdown() of one paragraph, plain or with inline math, computed directly; None
    for anything else. A plain paragraph without characters the sanitizer rewrites is exactly
    what the sanitizer makes of plain_paragraph(text)."""
    body = _plain_body(text)
    if body is not None and not _NOT_INERT.search(body):
        return f"<p>{body}</p>"
    return _math_paragraph(text)


def _math_paragraph(text: str) -> str | None:
    """render_markdown() of one paragraph of plain text with inline math ($…$, \\(…\\)), computed
    directly; None unless the text is exactly that (then markdown-it decides). Each math span
    is found as markdown-it's rules find it (dollarmath's own escape and whitespace tests are
    called); the text around must be plain to _NOT_PLAIN with each span masked. Checked
    against markdown-it plus the sanitizer in tests/test_render.py."""
    if "$" not in text and "\\(" not in text:
        return None
    body = text[:-1] if text.endswith("\n") else text
    if "$$" in body:
        return None  # display math
    out, masked, start, pos = [], [], 0, 0
    while True:
        dollar, backslash = body.find("$", pos), body.find("\\", pos)
        at = min(dollar, backslash) if dollar >= 0 and backslash >= 0 else max(dollar, backslash)
        if at < 0:
            break
        span = _bracket_math(body, at) if at == backslash else _dollar_math(body, at)
        if span is None:
            return None  # an escape, a literal $ or \\[: leave it to markdown-it
        content, pos = span
        if "\n" in content or _NOT_INERT.search(content.replace("&", "").replace("<", "").replace(">", "")):
            return None
        if len(content) > 10 and not fits_phone(content, display=False):
            return None  # moves to display form: display_math_out_of_paragraphs
        out += [body[start:at], "\\(", content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), "\\)"]
        masked += [body[start:at], "M"]
        start = pos
    rest = body[start:]
    around = "".join([*masked, rest])
    if start == 0 or _NOT_PLAIN.search(around) or _NOT_INERT.search(around):
        return None
    return "<p>" + "".join(out) + rest + "</p>"


_FENCE_OPENER = re.compile(r"```([A-Za-z0-9_+-]*)")
_FENCE_CLOSER = re.compile(r" {0,3}`{3,}[ \t]*")


def _blocks(text: str) -> str | None:
    """render_markdown() of paragraphs (plain, or with inline math) and ``` fences, computed
    directly; None unless the text is exactly that. A fence opens with ```lang at the start
    of a line and closes with a line of just ```; paragraphs are separated by empty lines or
    by fences. Checked against markdown-it plus the sanitizer in tests/test_render.py."""
    if "\r" in text or "\x00" in text or "~~~" in text:
        return None
    lines = text.split("\n")
    html: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        opener = _FENCE_OPENER.fullmatch(lines[i])
        if opener is not None:
            close = next((j for j in range(i + 1, len(lines)) if _FENCE_CLOSER.fullmatch(lines[j])), None)
            if close is None or lines[close] != "```":
                return None  # unclosed, or closed by a line this does not model
            content = "".join(line + "\n" for line in lines[i + 1 : close])
            code = _highlight(content, opener.group(1), "")
            span = _own_code(code)
            if span is None:
                return None
            html.append(code[: span[0]] + _normal_form(code[span[0] : span[1]]) + code[span[1] :] + "\n")
            i = close + 1
            continue
        j = i
        while j < len(lines) and lines[j] and not lines[j].startswith("```"):
            j += 1
        paragraph = _paragraph("\n".join(lines[i:j]))
        if paragraph is None:
            return None
        html.append(paragraph + "\n")
        i = j
    return "".join(html).strip() if html else None


def _bracket_math(src: str, at: int) -> tuple[str, int] | None:
    """_math_brackets' \\( … \\) at `at`: (content, position after); None for anything else."""
    if not src.startswith("\\(", at):
        return None
    end = src.find("\\)", at + 2)
    return None if end < 0 else (src[at + 2 : end], end + 2)


def _dollar_math(src: str, at: int) -> tuple[str, int] | None:
    """dollarmath's inline rule at `at`, with our options (no space inside the dollars, no
    digit around them): (content, position after), or None where it does not match."""
    from markdown_it.common.utils import isWhiteSpace
    from mdit_py_plugins.dollarmath.index import is_escaped

    state = _Source(src)
    if at + 1 >= len(src) or isWhiteSpace(ord(src[at + 1])) or src[at - 1].isdigit():  # [-1]: as dollarmath
        return None
    if is_escaped(state, at) or src[at + 1] == "$":  # type: ignore[arg-type]
        return None
    pos = at + 1
    while True:
        end = src.find("$", pos)
        if end < 0:
            return None
        if not is_escaped(state, end):  # type: ignore[arg-type]
            break
        pos = end + 1
    if isWhiteSpace(ord(src[end - 1])) or (end + 1 < len(src) and src[end + 1].isdigit()):
        return None
    return (src[at + 1 : end], end + 1) if end > at + 1 else None


@dataclass
class _Source:
    """The one attribute of markdown-it's inline state that is_escaped reads."""

    src: str


def _plain_body(text: str) -> str | None:
    body = text[:-1] if text.endswith("\n") else text
    return None if _NOT_PLAIN.search(body) else body


def highlight_css(light_style: str = "default", dark_style: str = "github-dark") -> str:
    """Pygments token colours for light and night mode, scoped to card code blocks."""
    from pygments.formatters import HtmlFormatter

    light_formatter = HtmlFormatter(style=light_style, classprefix="pg-")
    dark_formatter = HtmlFormatter(style=dark_style, classprefix="pg-")
    light = light_formatter.get_token_style_defs(".card pre.code")  # type: ignore[no-untyped-call]
    dark = dark_formatter.get_token_style_defs(  # type: ignore[no-untyped-call]
        [".card.nightMode pre.code", ".card.night_mode pre.code"])
    lines = ["/* generated by generator.render.highlight_css(); do not edit */", *light, *dark]
    return "\n".join(lines) + "\n"


def content_hash(data: bytes, length: int = 10) -> str:
    """Short stable hash for file names: a changed file gets a new name, so Anki updates it."""
    return hashlib.sha1(data).hexdigest()[:length]
