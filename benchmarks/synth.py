"""A synthetic deck in cardsmith's own data format, for the benchmark.

Deterministic (seeded): the same note count gives the same files. Field lengths follow the
project's real deck (a short question, an answer under the lint's 600 characters, an optional
longer extra); about 30 % of notes carry a fenced code block, some math, some tables, a few
images. Topic files hold 500 notes each, like a real deck split by subject.

    python benchmarks/synth.py OUT_DIR --notes 10000
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

NOTES_PER_FILE = 500
EDIT_MARKER = "revision 0."  # the one-edit rebuild changes this text in the middle topic file

WORDS = ("attention head cache token layer weight gradient optimizer shard batch sequence "
         "kernel tensor memory bandwidth latency throughput precision scale loss reward policy "
         "sample window rotary embedding expert router capacity checkpoint pipeline stage "
         "activation buffer stream queue lock index query value key matrix vector").split()
HANZI = ("显存 带宽 注意力 缓存 梯度 优化器 分片 精度 吞吐 延迟 权重 激活 专家 路由 采样 奖励 "
         "策略 序列 批次 内核 张量 检查点 流水线 数据 清洗 去重 质量 面试 追问 例子").split()
LANGS = ("python", "python", "python", "python", "bash", "cpp", "json", "yaml", "sql", "rust")
CODE_LINES = {
    "python": ["def {w}_{i}(x, y=None):", "    total = sum(v * {i} for v in x)  # {w}",
               "    if y is not None:", "        return total / max(len(y), 1)",
               "    for k, v in enumerate(x):", "        print(f\"{{k}}: {{v:.3f}}\")",
               "    return {{'{w}': total, 'n': len(x)}}", "class {W}{i}:", "    pass"],
    "bash": ["for f in data/*.yaml; do", "  echo \"$f {w}\"", "done", "export {W}_N={i}",
             "grep -rn '{w}' src/ | wc -l"],
    "cpp": ["int {w}_{i}(const std::vector<int>& x) {{", "  int s = 0;",
            "  for (auto v : x) s += v * {i};", "  return s;", "}}"],
    "json": ["{{", "  \"{w}\": {i},", "  \"enabled\": true,", "  \"items\": [1, 2, 3]", "}}"],
    "yaml": ["{w}:", "  size: {i}", "  enabled: true", "  items: [a, b, c]"],
    "sql": ["SELECT {w}, COUNT(*) AS n", "FROM t{i}", "WHERE {w} > {i}", "GROUP BY {w};"],
    "rust": ["fn {w}_{i}(x: &[u32]) -> u32 {{", "    x.iter().map(|v| v * {i}).sum()", "}}"],
}
MATH = ("$O(n^2 d)$", "$d_c = 512$", "$\\sqrt{d_k}$", "$2 \\times n_h d_h l$", "$\\alpha = 0.1$",
        "\\(\\frac{a}{b}\\)", "$x_i^2$", "$\\beta_1 = 0.9$")
CLOZE_MATH = ("$x^2$", "$d_c = 512$", "$\\alpha = 0.1$", "$n_h$")


def write_deck(out: Path, notes: int, seed: int = 2024) -> Path:
    """Write deck.yaml, topics/*.yaml and media/ for `notes` notes under `out`; returns `out`."""
    if out.exists():
        shutil.rmtree(out)
    (out / "topics").mkdir(parents=True)
    (out / "media").mkdir()
    (out / "deck.yaml").write_text(
        'name: "Synthetic 合成"\nnamespace: synthetic\ndescription: |\n'
        "  A synthetic deck for cardsmith's benchmark.\n", encoding="utf-8")
    for k in range(3):
        (out / "media" / f"figure-{k}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
            f'<circle cx="20" cy="20" r="{10 + k * 5}" fill="#36c"/></svg>\n', encoding="utf-8")
    rng = random.Random(seed)
    files = max(1, -(-notes // NOTES_PER_FILE))
    for f in range(files):
        count = min(NOTES_PER_FILE, notes - f * NOTES_PER_FILE)
        body = [f'topic: "Topic {f:03d} · 主题 {f}"', "notes:"]
        for j in range(count):
            marker = EDIT_MARKER if (f == files // 2 and j == 0) else ""
            body.extend(_note(rng, f"t{f:03d}-n{j:04d}", marker))
        (out / "topics" / f"{f:03d}-topic.yaml").write_text("\n".join(body) + "\n", encoding="utf-8")
    return out


def edit_file(data: Path, notes: int) -> Path:
    """The topic file the one-edit rebuild changes."""
    files = max(1, -(-notes // NOTES_PER_FILE))
    return data / "topics" / f"{files // 2:03d}-topic.yaml"


def _words(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(rng.choice(HANZI) if rng.random() < 0.4 else rng.choice(WORDS))
    return " ".join(out)


def _sentence(rng: random.Random, n: int, math: bool) -> str:
    text = _words(rng, n)
    if math:
        text += f" {rng.choice(MATH)}"
    return text[0].upper() + text[1:] + rng.choice(("。", ".", "；", "."))


def _paragraph(rng: random.Random, chars: int, math_rate: float) -> str:
    out: list[str] = []
    while sum(len(s) for s in out) < chars:
        out.append(_sentence(rng, rng.randint(5, 14), rng.random() < math_rate))
    return " ".join(out)


def _code(rng: random.Random, i: int) -> list[str]:
    lang = rng.choice(LANGS)
    pool = CODE_LINES[lang]
    w = rng.choice(WORDS)
    lines = [pool[k % len(pool)].format(w=w, W=w.capitalize(), i=i) for k in range(rng.randint(3, 12))]
    return [f"```{lang}", *lines, "```"]


def _table(rng: random.Random) -> list[str]:
    cols = rng.randint(2, 4)
    head = [rng.choice(WORDS) for _ in range(cols)]
    rows = [[f"{rng.randint(1, 999)}" if c else rng.choice(HANZI) for c in range(cols)]
            for _ in range(rng.randint(2, 5))]
    return ["| " + " | ".join(head) + " |", "|" + "---|" * cols,
            *("| " + " | ".join(r) + " |" for r in rows)]


def _block(name: str, lines: list[str]) -> list[str]:
    return [f"    {name}: |", *(f"      {line}" if line else "" for line in lines)]


def _note(rng: random.Random, note_id: str, marker: str) -> list[str]:
    roll = rng.random()
    kind = "cloze" if roll < 0.15 else "reverse" if roll < 0.20 else "basic"
    number = int(note_id[-4:])
    code = rng.random() < 0.30
    out = [f"  - id: {note_id}"]
    if kind != "basic":
        out.append(f"    kind: {kind}")
    if kind == "cloze":
        parts = [_words(rng, rng.randint(3, 8)) for _ in range(rng.randint(1, 3))]
        text = " ".join(f"{p} {{{{c{k + 1}::{rng.choice(WORDS)} {rng.randint(2, 512)}}}}}"
                        for k, p in enumerate(parts))
        if rng.random() < 0.3:
            text += f" {rng.choice(CLOZE_MATH)}"
        out += _block("text", [text + "。" + (f" {marker}" if marker else "")])
    else:
        front = f"{note_id}: {_words(rng, rng.randint(3, 8))}?"[:70]
        out += _block("front", [front])
        back: list[str] = [_paragraph(rng, rng.randint(30, 180), 0.12)]
        if marker:
            back[0] += f" {marker}"
        if rng.random() < 0.04:
            back += ["", *_table(rng)]
        if code and rng.random() < 0.5:
            back += ["", *_code(rng, number)]
            code = False
        if rng.random() < 0.005:
            back += ["", f"![figure](media/figure-{rng.randint(0, 2)}.svg)"]
        out += _block("back", back)
    if code or rng.random() < 0.2:
        extra = [_paragraph(rng, rng.randint(40, 300), 0.12)]
        if code:
            extra += ["", *_code(rng, number)]
        out += _block("extra", extra)
    if rng.random() < 0.1:
        out.append("    advice: true")
    else:
        out.append("    sources:")
        for _ in range(rng.randint(1, 2)):
            out.append(f'      - title: "{_words(rng, rng.randint(3, 7)).title()}"')
            if rng.random() < 0.8:
                out.append(f'        arxiv: "{rng.randint(1500, 2412)}.{rng.randint(10000, 99999)}"')
            else:
                out.append(f"        url: https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 999)}")
            if rng.random() < 0.6:
                out.append(f'        section: "§{rng.randint(1, 9)}.{rng.randint(1, 5)}"')
    if rng.random() < 0.7:
        tags = sorted({rng.choice(WORDS) for _ in range(rng.randint(1, 3))})
        out.append(f"    tags: [{', '.join(tags)}]")
    out.append("")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    write_deck(args.out, args.notes)


if __name__ == "__main__":
    main()
