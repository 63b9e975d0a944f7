"""Coverage and quality of a run: a JSON summary and a self-contained HTML page (inline SVG).

Reads the run's output, its rejects file and its ledger. No scripts, no CDN: the
page opens offline and can be attached to an issue as is.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field

from generate.ledger import ledger_path, read_jsonl, rejects_path
from generate.metrics import Metrics, measure


class Summary(BaseModel):
    run: str
    examples: int = 0
    rejects: int = 0
    generator: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    versions: list[str] = Field(default_factory=list)
    by_family: dict[str, int] = Field(default_factory=dict)
    by_difficulty: dict[str, int] = Field(default_factory=dict)
    family_difficulty: dict[str, dict[str, int]] = Field(default_factory=dict)
    concept_family: dict[str, dict[str, int]] = Field(default_factory=dict)
    concept_difficulty: dict[str, dict[str, int]] = Field(default_factory=dict)
    target_kinds: dict[str, int] = Field(default_factory=dict)
    distinct_targets: int = 0
    rejects_by_reason: dict[str, int] = Field(default_factory=dict)
    pass_rate_by_difficulty: dict[str, float] = Field(default_factory=dict)
    level_reached: dict[str, int] = Field(default_factory=dict)
    issue_codes: dict[str, int] = Field(default_factory=dict)
    repaired: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 0
    cost_usd: float = 0.0
    cost_per_example_usd: float = 0.0
    quality_judge: str = ""  # the judge whose scores are shown (the run's judge sidecar)
    quality_scores: dict[str, int] = Field(default_factory=dict)  # "1".."10" -> examples
    quality_mean: float | None = None
    reviewed: int = 0
    review_accuracy: float | None = None  # accepted / reviewed (majority of reviewers)
    review_mean_score: float | None = None
    review_accuracy_by_family: dict[str, float] = Field(default_factory=dict)
    review_reasons: dict[str, int] = Field(default_factory=dict)
    cache_hit_rate: float = 0.0  # cache-read / all input tokens (read + write + plain)
    quality: Metrics = Field(default_factory=Metrics)  # generate.metrics


def build_summary(run: Path) -> Summary:
    s = Summary(run=str(run))
    fam_diff: dict[str, Counter] = defaultdict(Counter)
    concept_fam: dict[str, Counter] = defaultdict(Counter)
    concept_diff: dict[str, Counter] = defaultdict(Counter)
    passed: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    targets: set[str] = set()
    gens, models, versions = set(), set(), set()
    rows = list(read_jsonl(run))
    s.quality = measure(rows)
    for row in rows:
        m = row["metadata"]
        s.examples += 1
        fam_diff[m["family"]][str(m["difficulty"])] += 1
        for c in (m.get("prerequisite_chain") or [])[-1:] or (
            [m["target"]] if m.get("target_kind") == "Concept" else ["(no concept)"]
        ):
            concept_fam[c][m["family"]] += 1
            concept_diff[c][str(m["difficulty"])] += 1
        targets.add(f"{m.get('target_kind')}:{m['target']}")
        s.target_kinds[m.get("target_kind", "?")] = s.target_kinds.get(m.get("target_kind", "?"), 0) + 1
        gens.add(m.get("generator", "?"))
        models.add(m.get("model", "?"))
        versions.add(m.get("version", "?"))
        rep = m.get("validation") or {}
        lvl = str(rep.get("level_reached", 0))
        s.level_reached[lvl] = s.level_reached.get(lvl, 0) + 1
        for issue in rep.get("issues", []):
            s.issue_codes[issue["code"]] = s.issue_codes.get(issue["code"], 0) + 1
        d = str(m["difficulty"])
        tried[d] += 1
        passed[d] += 1
        s.repaired += int(bool(m.get("repaired")))
    for row in read_jsonl(rejects_path(run)):
        s.rejects += 1
        s.rejects_by_reason[row["reason"]] = s.rejects_by_reason.get(row["reason"], 0) + 1
        if row["reason"] in ("validation", "parse", "truncated"):
            tried[str(row["difficulty"])] += 1
        for issue in (row.get("validation") or {}).get("issues", []):
            s.issue_codes[issue["code"]] = s.issue_codes.get(issue["code"], 0) + 1
    for e in read_jsonl(ledger_path(run)):
        if e.get("event") == "response":
            u = e.get("usage", {})
            s.input_tokens += u.get("input_tokens", 0)
            s.output_tokens += u.get("output_tokens", 0)
            s.cache_read_tokens += u.get("cache_read_tokens", 0)
            s.cache_write_tokens += u.get("cache_write_tokens", 0)
            s.requests += u.get("requests", 0)
            s.cost_usd += float(e.get("cost", 0.0))
    s.family_difficulty = {f: dict(sorted(c.items())) for f, c in sorted(fam_diff.items())}
    s.by_family = {f: sum(c.values()) for f, c in s.family_difficulty.items()}
    diff_total: Counter = Counter()
    for c in fam_diff.values():
        diff_total.update(c)
    s.by_difficulty = dict(sorted(diff_total.items()))
    s.concept_family = {c: dict(v) for c, v in sorted(concept_fam.items())}
    s.concept_difficulty = {c: dict(sorted(v.items())) for c, v in sorted(concept_diff.items())}
    s.pass_rate_by_difficulty = {d: round(passed[d] / tried[d], 4) for d in sorted(tried)}
    s.distinct_targets = len(targets)
    s.generator, s.models, s.versions = sorted(gens), sorted(models), sorted(versions)
    s.cost_per_example_usd = s.cost_usd / s.examples if s.examples else 0.0
    fed = s.input_tokens + s.cache_read_tokens + s.cache_write_tokens
    s.cache_hit_rate = round(s.cache_read_tokens / fed, 4) if fed else 0.0
    _quality(s, run)
    return s


def _quality(s: Summary, run: Path) -> None:
    """Judge scores from the run's sidecar (``ootkg judge``) and accuracy from its reviews."""
    from review.judge.sidecar import read_scores
    from review.stats import compute

    judged = read_scores(run)
    if judged:
        name = "offline-v1" if "offline-v1" in judged else sorted(judged)[0]
        values = [x.score for x in judged[name].values()]
        s.quality_judge = name
        hist = Counter(str(min(10, max(1, int(v)))) for v in values)
        s.quality_scores = {str(k): hist.get(str(k), 0) for k in range(1, 11)}
        s.quality_mean = round(sum(values) / len(values), 3)
    r = compute([run])
    s.reviewed, s.review_accuracy, s.review_mean_score = r.reviewed, r.accuracy, r.mean_score
    s.review_accuracy_by_family = {x.value: x.accuracy for x in r.by if x.group == "family" and x.accuracy is not None}
    s.review_reasons = dict(r.reasons)


# -- SVG ------------------------------------------------------------------------------------
def _esc(x: object) -> str:
    return html.escape(str(x))


def heatmap(rows: dict[str, dict[str, int]], title: str) -> str:
    if not rows:
        return f"<p>{_esc(title)}: no data</p>"
    cols = sorted({c for r in rows.values() for c in r})
    names = list(rows)
    cw, ch, left, top = 58, 20, 190, 110
    vmax = max((v for r in rows.values() for v in r.values()), default=1) or 1
    w, h = left + cw * len(cols) + 10, top + ch * len(names) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
    ]
    for j, c in enumerate(cols):
        x = left + j * cw + cw // 2
        out.append(f'<text x="{x}" y="{top - 6}" font-size="11" transform="rotate(-40 {x},{top - 6})">{_esc(c)}</text>')
    for i, name in enumerate(names):
        y = top + i * ch
        out.append(f'<text x="{left - 6}" y="{y + 14}" font-size="11" text-anchor="end">{_esc(name[:30])}</text>')
        for j, c in enumerate(cols):
            v = rows[name].get(c, 0)
            shade = 255 - int(200 * v / vmax)
            fill = f"rgb({shade},{shade},255)" if v else "#f4f4f4"
            out.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}"><title>{_esc(name)} / {_esc(c)}: {v}</title></rect>'
            )
            if v:
                out.append(
                    f'<text x="{left + j * cw + cw // 2 - 1}" y="{y + 14}" font-size="11" '
                    f'text-anchor="middle">{v}</text>'
                )
    out.append("</svg>")
    return "".join(out)


def bars(values: Mapping[str, float], title: str, fmt: str = "{:g}") -> str:
    if not values:
        return f"<p>{_esc(title)}: none</p>"
    vmax = max(values.values()) or 1
    bw, left, rh = 320, 190, 20
    h = rh * len(values) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + bw + 80}" height="{h}" '
        f'role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
    ]
    for i, (k, v) in enumerate(values.items()):
        y = i * rh + 4
        out.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f'{_esc(k[:30])}</text><rect x="{left}" y="{y}" width="{bw * v / vmax:.1f}" '
            f'height="{rh - 4}" fill="#4a7fd4"/><text x="{left + bw * v / vmax + 4:.1f}" '
            f'y="{y + 13}" font-size="11">{_esc(fmt.format(v))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def quality_table(q: Metrics) -> str:
    rows = [
        ("examples with real decomp code", f"{q.code_share:.0%}"),
        ("distinct masked first-question shapes", f"{q.distinct_shapes} ({q.shape_share:.0%})"),
        ("mean masked same-family word-3-gram Jaccard", f"{q.jaccard_mean:.2f}"),
        ("level-4 / level-1 median answer words", f"{q.level4_over_level1:.2f}×"),
        (
            "level-4 answers naming two systems or more",
            f"{q.level4_two_systems:.0%} ({q.level4_two_files:.0%} also quoting code from two files)",
        ),
        ("multi-turn conversations", f"{q.multi_turn_share:.0%}"),
        ("seed domains with no example", ", ".join(q.empty_domains) or "none"),
        ("target kinds per family", ", ".join(f"{f} {len(k)}" for f, k in q.kinds_by_family.items())),
    ]
    return "<table>" + "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows) + "</table>"


def domain_bars(per_domain: dict[str, int]) -> str:
    """Examples per seed domain; an empty domain is a red label with a red zero."""
    if not per_domain:
        return "<p>no domains</p>"
    vmax = max(per_domain.values()) or 1
    bw, left, rh = 320, 250, 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + bw + 80}" '
        f'height="{rh * len(per_domain) + 10}" role="img" aria-label="examples per domain">'
        "<title>examples per seed domain</title>"
    ]
    for i, (k, v) in enumerate(per_domain.items()):
        y = i * rh + 4
        color = "#c62828" if v == 0 else "#222"
        out.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end" '
            f'fill="{color}">{_esc(k)}</text><rect x="{left}" y="{y}" '
            f'width="{bw * v / vmax:.1f}" height="{rh - 4}" fill="#4a7fd4"/>'
            f'<text x="{left + bw * v / vmax + 4:.1f}" y="{y + 13}" font-size="11" '
            f'fill="{color}">{v}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def write_html(s: Summary, path: Path) -> None:
    cost = (
        f"{s.requests} requests; {s.input_tokens:,} input, {s.output_tokens:,} output, "
        f"{s.cache_read_tokens:,} cache-read and {s.cache_write_tokens:,} cache-write tokens; "
        f"${s.cost_usd:.4f} (${s.cost_per_example_usd:.5f} per example); cache hit rate "
        f"{s.cache_hit_rate:.0%}"
    )
    q = s.quality
    sections = [
        ("Quality", quality_table(q)),
        ("Examples per seed domain (empty ones in red)", domain_bars(q.per_domain)),
        (
            "Masked word-3-gram Jaccard within each family (lower: more varied)",
            bars(q.jaccard_by_family, "jaccard", "{:.2f}"),
        ),
        ("Median answer words per difficulty", bars(q.words_by_difficulty, "words", "{:.0f}")),
        ("Share with real code per difficulty", bars(q.code_by_difficulty, "code", "{:.0%}")),
        ("Coverage: family × difficulty", heatmap(s.family_difficulty, "family by difficulty")),
        ("Coverage: concept × family", heatmap(s.concept_family, "concept by family")),
        ("Coverage: concept × difficulty", heatmap(s.concept_difficulty, "concept by difficulty")),
        ("Examples per target kind", bars(dict(s.target_kinds), "target kinds")),
        ("Validation pass rate per difficulty", bars(s.pass_rate_by_difficulty, "pass rate", "{:.0%}")),
        ("Validation level reached", bars(s.level_reached, "level reached")),
        (
            "Issue codes (accepted warnings and rejected errors)",
            bars(dict(sorted(s.issue_codes.items(), key=lambda kv: -kv[1])[:25]), "issue codes"),
        ),
        ("Rejects by reason", bars(s.rejects_by_reason, "rejects")),
        (
            f"Quality score distribution ({s.quality_judge or 'run `ootkg judge` for scores'}"
            f"{f', mean {s.quality_mean:.2f}' if s.quality_mean is not None else ''})",
            bars(s.quality_scores, "quality scores"),
        ),
        (
            f"Accuracy by expert review ({s.reviewed} reviewed"
            f"{f', {s.review_accuracy:.1%} accepted' if s.review_accuracy is not None else ''}"
            f"{f', mean score {s.review_mean_score:.2f}' if s.review_mean_score is not None else ''})",
            bars(s.review_accuracy_by_family, "accuracy by family", "{:.0%}"),
        ),
        ("Rejections by reviewers, by reason", bars(s.review_reasons, "review reasons")),
    ]
    body = "".join(f"<h2>{_esc(t)}</h2>{svg}" for t, svg in sections)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ootkg generation report: {_esc(Path(s.run).name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
h2{{margin-top:1.6em;font-size:1.1em}} td,th{{padding:2px 10px;text-align:left}}</style></head>
<body><h1>Generation report: {_esc(Path(s.run).name)}</h1>
<table><tr><th>examples</th><td>{s.examples} ({s.distinct_targets} distinct targets,
{s.repaired} repaired)</td></tr>
<tr><th>rejects</th><td>{s.rejects}</td></tr>
<tr><th>generator / model</th><td>{_esc(", ".join(s.generator))} / {_esc(", ".join(s.models))}</td></tr>
<tr><th>versions</th><td>{_esc(", ".join(s.versions))}</td></tr>
<tr><th>cost</th><td>{_esc(cost)}</td></tr></table>{body}</body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
