"""Stage 3, render: Markdown fields → sanitized HTML that Anki shows without JavaScript."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Callable, Sequence

from generator.mathfit import fits_phone

# markdown-it, Pygments and nh3 are imported where they are first used: a build whose notes
# all come from the cache (and `cardsmith --help`) never loads them.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from pygments.formatters import HtmlFormatter

# Tags an author may write as raw HTML. Anything else that looks like a tag (List<int>) is text;
# a real HTML element that is not here (<font>, <script>) is a located problem, never dropped silently.
AUTHOR_TAGS = frozenset(
    "b i em strong u s del ins sub sup br hr wbr kbd mark small code pre span div p ul ol li "
    "dl dt dd table thead tbody tfoot tr th td caption details summary blockquote q cite abbr dfn "
    "var samp figure figcaption ruby rt rp rb bdi bdo img a h1 h2 h3 h4 h5 h6".split()
)
ALLOWED_TAGS = AUTHOR_TAGS
ALLOWED_ATTRIBUTES = {
    "*": {"class", "dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
    "details": {"open"},
    "ol": {"start"},
}
# Every other HTML (and inline SVG/MathML) element: written as a tag, it is markup the author
# meant, so the sanitizer refusing it is reported.
KNOWN_HTML = frozenset(
    "html head body title base link meta style script noscript template slot section article nav "
    "aside header footer main address hgroup search center font big tt strike blink marquee nobr "
    "time data output progress meter label input button select option optgroup datalist textarea "
    "form fieldset legend iframe frame frameset object embed applet param video audio source track "
    "canvas picture map area svg math dialog menu col colgroup acronym basefont bgsound xmp listing "
    "plaintext image portal fencedframe".split()
)
_TAG_NAME = re.compile(r"^</?([A-Za-z][A-Za-z0-9-]*)")
_ANY_TAG = re.compile(r"<[^>]+>")
_RAW_IMG = re.compile(r"<img\b[^>]*>", re.I)
# ![alt](path) that Markdown left as text: a path with spaces, or brackets in the path.
_UNPARSED_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)")
MediaResolver = Callable[[str], str]


def strip_tags(html: str) -> str:
    """The text of rendered field HTML (entities left as they are): what length checks measure."""
    return _ANY_TAG.sub("", html)


@dataclass
class RenderEnv:
    """What one field's rendering reports back: problems (errors), warnings and the media it
    referenced."""

    resolve_media: MediaResolver | None = None
    problems: list[str] = field(default_factory=list)
    media: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


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
    """Raw HTML passes (to the sanitizer) only for known tags; List<int> stays literal text. A
    real HTML element or attribute the sanitizer would drop is reported; <img> with a local
    file is shipped like a Markdown image."""
    content = tokens[idx].content
    match = _TAG_NAME.match(content.strip())
    render_env: RenderEnv | None = env.get("cardsmith") if isinstance(env, dict) else None
    refused = refused_markup(content)
    if render_env is not None:
        render_env.warnings.extend(refused)
    if match and match.group(1).lower() in AUTHOR_TAGS:
        return _RAW_IMG.sub(lambda m: _raw_image(m.group(), render_env), content)
    if match and match.group(1).lower() in KNOWN_HTML:
        return content  # markup the author meant: the sanitizer removes it, the warning says so
    return escapeHtml(content)


class _Tags(HTMLParser):
    """The start tags of an HTML fragment, attributes unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """(tag, attributes) of each start tag in `html`, in order."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.found


def refused_markup(html: str) -> list[str]:
    """What the sanitizer removes from raw HTML an author wrote, one warning each."""
    problems = []
    for tag, attrs in start_tags(html):
        if tag in KNOWN_HTML:
            problems.append(f"HTML tag <{tag}> is not allowed on cards and is removed "
                            "(use Markdown, or an allowed tag such as <span>, <b>, <ruby>)")
            continue
        if tag not in ALLOWED_TAGS:
            continue  # List<int>: text, shown as written
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                problems.append(f"attribute '{name}' on <{tag}> is not allowed on cards and is "
                                f"removed (allowed: {', '.join(sorted(allowed))})")
            elif tag == "a" and name == "href" and value and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value) \
                    and not value.lower().startswith(("http:", "https:")):
                problems.append(f"link '{value[:40]}' is removed (cards link only to http and https)")
    return problems


def _raw_image(tag: str, render_env: RenderEnv | None) -> str:
    """An <img> the author wrote: its local file resolved and shipped like a Markdown image."""
    found = start_tags(tag)
    attrs = dict(found[0][1]) if found else {}
    src, alt = attrs.get("src") or "", attrs.get("alt") or ""
    size = "".join(f' {k}="{escapeHtml(v)}"' for k in ("width", "height") if (v := attrs.get(k)))
    if render_env is None or render_env.resolve_media is None:
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"{size}>'
    if not src:
        render_env.problems.append("<img> without src (expected src=\"media/file.png\")")
        return ""
    try:
        name = render_env.resolve_media(src)
    except ValueError as exc:
        render_env.problems.append(str(exc))
        return ""
    render_env.media.add(name)
    return f'<img src="{escapeHtml(name)}" alt="{escapeHtml(alt)}"{size}>'


def unparsed_images(state: Any) -> None:
    """Core rule: an image reference Markdown did not read as an image (a space or a bracket in
    the path) would reach the card as its source text. It becomes the image it means, with a
    warning naming the form every Markdown tool reads."""
    from markdown_it.token import Token

    render_env: RenderEnv | None = state.env.get("cardsmith") if isinstance(state.env, dict) else None
    for token in state.tokens:
        if not token.children or not any(c.type == "text" and "![" in c.content for c in token.children):
            continue
        children: list[Token] = []
        for child in token.children:
            if child.type != "text" or "![" not in child.content:
                children.append(child)
                continue
            position = 0
            for match in _UNPARSED_IMAGE.finditer(child.content):
                source, alt, src = match.group(), match.group(1), match.group(2).strip()
                if render_env is not None:
                    shown = src if len(src) <= 40 else src[:39] + "…"
                    render_env.warnings.append(
                        f"'{source[:60]}' is not Markdown for an image (a space or bracket in the path): "
                        f"shown as the image, but write ![{alt[:20]}](<{shown}>) so every Markdown tool reads it")
                if match.start() > position:
                    children.append(_text(child, child.content[position:match.start()]))
                image = Token("image", "img", 0, attrs={"src": src, "alt": ""}, content=alt)
                image.children = [_text(child, alt)] if alt else []
                children.append(image)
                position = match.end()
            if position < len(child.content):
                children.append(_text(child, child.content[position:]))
        token.children = children


def _text(like: Any, content: str) -> Any:
    from markdown_it.token import Token

    return Token("text", "", 0, content=content, level=like.level)


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

    return get_lexer_by_name(language, stripnl=False, ensurenl=False)


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
    md.core.ruler.after("inline", "display_math_out_of_paragraphs", display_math_out_of_paragraphs)
    md.core.ruler.after("inline", "unparsed_images", unparsed_images)
    return md


def display_math_out_of_paragraphs(state: Any) -> None:
    """Display math ($$…$$, \\[…\\]) written inside a paragraph (a text line right before it, no
    blank line) becomes a math block of its own: the paragraph is split around it, so the
    formula lands in the scrolling <div class="math"> box like display math set apart. So does
    inline math too wide for a phone's line (generator.mathfit: MathJax 3 cannot wrap it)."""
    from markdown_it.token import Token

    tokens: list[Token] = state.tokens
    out: list[Token] = []
    lists = 0  # lists enclosing the current token: each narrows the column
    i = 0
    while i < len(tokens):
        opened, inline = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
        lists += {"bullet_list_open": 1, "ordered_list_open": 1, "bullet_list_close": -1,
                  "ordered_list_close": -1}.get(opened.type, 0)

        def display(token: Token, lists: int = lists) -> bool:
            return token.type == "math_inline_double" or (
                token.type == "math_inline" and not fits_phone(token.content, display=False, indent_levels=lists))

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
def _sanitizer() -> Any:
    """nh3's sanitizer, configured once."""
    import nh3

    return nh3.Cleaner(**_SANITIZER_OPTIONS)


def sanitize(html: str) -> str:
    """Allowlist sanitizer: no scripts, handlers, javascript: URLs, iframes or <style>."""
    return str(_sanitizer().clean(html))


def render_markdown(text: str, env: RenderEnv | None = None) -> str:
    """One Markdown field → sanitized HTML (trailing newline stripped)."""
    return sanitize(markdown().render(text, {"cardsmith": env or RenderEnv()})).strip()


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
