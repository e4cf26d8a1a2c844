"""Reports: a Markdown file with tables and PNG plots, and a JSON file of every number.

`write_report` puts `<name>-<date>.md`, `<name>-<date>.json` and
`<name>-<date>-modes.png` (plus `-kinds.png` for the circular set) in the output
folder, and copies the Markdown and JSON to `latest-<name>.md` / `.json`, whose
names stay stable for links and diffs. Plots use matplotlib's Agg backend, so no
display is needed. Metric names in the JSON's `metrics` map are the keys that
`--min` floors refer to: `<mode>.<split>.<metric>` (e.g. `hybrid.test.hit@1`),
`<mode>.<split>.kind.<kind>.<metric>` and `answer.<split>.<metric>`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from eval.baseline import N_RESAMPLES, pack

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10")
HEADERS = {"hit@1": "hit@1", "hit@5": "hit@5", "hit@10": "hit@10", "recall@5": "R@5",
           "recall@10": "R@10", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}
ANSWER_COLUMNS = ("citation_precision", "citation_recall", "citation_f1", "false_not_found_rate",
                  "not_found_accuracy", "keyword_recall")
LISTED_IDS = 20  # question ids a report line names before "…" (the JSON has them all)
PLOT_METRICS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10")


def fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def fmt_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def flatten(result: dict[str, Any]) -> dict[str, float]:
    """Every headline number under the names `--min` uses."""
    flat: dict[str, float] = {}
    for mode, splits in result.get("retrieval", {}).items():
        for split, row in splits.items():
            for metric, value in row.items():
                flat[f"{mode}.{split}.{metric}"] = float(value)
    for mode, splits in result.get("by_kind", {}).items():
        for split, kinds in splits.items():
            for kind, row in kinds.items():
                for metric, value in row.items():
                    flat[f"{mode}.{split}.kind.{kind}.{metric}"] = float(value)
    answers = result.get("answers") or {}
    for split, row in answers.get("table", {}).items():
        for metric, value in row.items():
            flat[f"answer.{split}.{metric}"] = float(value)
    return flat


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows]]


def markdown(result: dict[str, Any], images: dict[str, str]) -> str:
    meta = result.get("meta", {})
    index = meta.get("index", {})
    lines = [f"# Evaluation: {result['name']} ({meta.get('date', '')})", ""]
    lines += [
        f"- commit: `{meta.get('commit') or 'unknown'}`"
        + (" (with uncommitted changes)" if meta.get("dirty") else ""),
        f"- model: `{index.get('model') or meta.get('model')}`; index `{index.get('path', '')}` "
        f"version `{index.get('version', '')}` ({index.get('counts', {}).get('chunks', '?')} "
        f"chunks, built {index.get('created', '?')})",
        f"- input: `{meta.get('input', '')}`; questions {result.get('n_questions')}"
        + (f", answerable {result['n_answerable']}" if "n_answerable" in result else "")
        + (f"; corpus documents {result['corpus_documents']}"
           if "corpus_documents" in result else ""),
        f"- search seconds: {', '.join(f'{k} {v}' for k, v in result.get('seconds', {}).items())}",
        f"- command: `{meta.get('command', '')}`",
    ]
    for warning in result.get("warnings", []):
        lines.append(f"- warning: {warning}")
    lines += ["", "## Retrieval", ""]
    if result["kind"] == "circulars":
        lines.append("Answerable questions only. A hit counts when its (doc_no, part_index, item) "
                     "or a relayed copy merged into it (`also_in`) is gold. k = 10 hits.")
    else:
        lines.append("Chunks mapped to documents (best rank per document): 30 chunks, all "
                     "copies, first 10 documents.")
    lines.append("Metrics by ranx" + ("; all-gold@k (every gold label in the top k hits, "
                 "multi-gold questions only, n in brackets) computed directly." if any(
                     row.get("n_multi_gold") for splits in result["retrieval"].values()
                     for row in splits.values()) else "."))
    lines.append("")
    multi = any(row.get("n_multi_gold") for splits in result["retrieval"].values()
                for row in splits.values())
    header = ["mode", "split", "n", *[HEADERS[c] for c in RETRIEVAL_COLUMNS]]
    if multi:
        header += ["all-gold@5", "all-gold@10 (n)"]
    rows = []
    for split in result["splits"]:
        for mode in result["modes"]:
            row = result["retrieval"][mode].get(split)
            if row is None:
                continue
            cells = [mode, split, str(int(row["n"])), *[fmt(row[c]) for c in RETRIEVAL_COLUMNS]]
            if multi:
                cells += [fmt(row.get("all_gold@5")),
                          f"{fmt(row.get('all_gold@10'))} ({int(row.get('n_multi_gold', 0))})"]
            rows.append(cells)
    lines += _table(header, rows)
    if "modes" in images:
        lines += ["", f"![metrics per mode]({images['modes']})"]

    comparisons = result.get("significance", {})
    if any(comparisons.values()):
        test = {"fisher": "Fisher's randomization test (2,000 permutations)",
                "student": "two-sided paired t-test"}.get(result.get("stat_test", ""), "")
        lines += ["", "## Significance", "",
                  f"Paired per-query scores, {test} via ranx `compare`; * marks p < 0.05.", ""]
        rows = []
        for split, found in comparisons.items():
            for c in found:
                star = " *" if c["p_value"] < 0.05 else ""
                rows.append([split, f"{c['a']} vs {c['b']}", HEADERS.get(c["metric"], c["metric"]),
                             fmt(c["score_a"]), fmt(c["score_b"]),
                             fmt(c["score_a"] - c["score_b"]), fmt_p(c["p_value"]) + star])
        lines += _table(["split", "pair", "metric", "a", "b", "a − b", "p"], rows)

    by_kind = result.get("by_kind")
    if by_kind:
        lines += ["", "## By question kind", "", "hit@1 / hit@5 / MRR@10 per mode.", ""]
        modes = result["modes"]
        for split in result["splits"]:
            kinds = sorted({k for mode in modes for k in by_kind[mode].get(split, {})})
            if not kinds:
                continue
            lines += [f"**{split}**", ""]
            rows = []
            for kind in kinds:
                cells = []
                n = 0
                for mode in modes:
                    row = by_kind[mode][split].get(kind)
                    if row:
                        n = int(row["n"])
                        cells.append(f"{fmt(row['hit@1'])} / {fmt(row['hit@5'])} / "
                                     f"{fmt(row['mrr@10'])}")
                    else:
                        cells.append("–")
                rows.append([kind, str(n), *cells])
            lines += [*_table(["kind", "n", *modes], rows), ""]
        if "kinds" in images:
            lines += [f"![hit@1 per kind]({images['kinds']})"]

    answers = result.get("answers")
    if answers and answers.get("table"):
        lines += ["", "## Answers (/ask)", "",
                  f"`answer_question(k={answers['k']}, min_score={answers.get('min_score')})`. "
                  "Citations are scored over (doc_no, item) pairs; a citation also stands for "
                  "the relayed copies merged into its passage. Precision, recall and F1 are "
                  "averaged over answerable questions (a not-found answer scores 0); "
                  "not-found accuracy is over unanswerable questions; keyword recall is the "
                  "share of `answer_keywords` found in the answer text.", ""]
        rows = []
        for split, row in answers["table"].items():
            rows.append([split, str(int(row["n_answerable"])), str(int(row["n_unanswerable"])),
                         *[fmt(row[c]) for c in ANSWER_COLUMNS]])
        lines += _table(["split", "answerable", "unanswerable", "cit. P", "cit. R", "cit. F1",
                         "false not-found", "not-found acc.", "keyword R"], rows)
    elif result.get("answers_skipped"):
        lines += ["", "## Answers (/ask)", "", f"Skipped: {result['answers_skipped']}"]

    lines += _against_baseline(result.get("against_baseline"))
    misses = result.get("misses", {}).get("hybrid")
    if misses:
        lines += ["", "## Hybrid questions not answered at rank 1", "", "<details>", "",
                  *_table(["id", "split", "kind", "rank", "gold", "top hit", "question"], [
                      [m["id"], m["split"], m["kind"], fmt(m["rank"]), "<br>".join(m["gold"]),
                       m["top"][0] if m["top"] else "–", m["question"].replace("|", "\\|")]
                      for m in misses]),
                  "", "</details>"]
    floors = result.get("floors")
    if floors:
        lines += ["", "## Floors", ""]
        lines += _table(["metric", "value", "floor", "ok"], [
            [f["metric"], fmt(f["value"]), fmt(f["floor"]), "yes" if f["ok"] else "**NO**"]
            for f in floors])
    return "\n".join(lines) + "\n"


def _against_baseline(found: dict[str, Any] | None) -> list[str]:
    """The comparison with an earlier run (`eval.baseline`), as a report section."""
    if not found:
        return []
    base = found["baseline"]
    lines = ["", "## Against the baseline", "",
             f"Baseline: commit `{base.get('commit') or 'unknown'}`"
             + (" (with uncommitted changes)" if base.get("dirty") else "")
             + f", {base.get('date') or '?'}, model `{base.get('model') or '?'}`. Means over the "
             "questions both runs asked in the same form; p from a paired randomization test "
             f"(sign flips; {N_RESAMPLES:,} resamples, exact up to 10 questions); * marks "
             "p < 0.05; p (BH) is adjusted for the number of differences tested "
             "(Benjamini-Hochberg) and decides what counts as worse.", ""]
    rows = [[d["mode"], d["split"], HEADERS.get(d["metric"], d["metric"]), str(d["n"]),
             fmt(d["baseline"]), fmt(d["now"]), f"{d['delta']:+.3f}",
             fmt_p(d["p_value"]) + (" *" if d["significant"] else ""),
             fmt_p(d.get("p_adjusted", 1.0))]
            for d in found["differences"]]
    lines += _table(["mode", "split", "metric", "n", "baseline", "now", "Δ", "p", "p (BH)"],
                    rows)
    mode = found["moved"].get("mode", "")
    labels = {
        "hit@1_gained": f"{mode} hit@1 gained", "hit@1_lost": f"{mode} hit@1 lost",
        "answers_f1_up": "answer citation F1 up", "answers_f1_down": "answer citation F1 down",
        "unanswerable_now_refused": "unanswerable, now refused",
        "unanswerable_now_answered": "unanswerable, now answered",
    }
    lines.append("")
    for key, label in labels.items():
        ids = found["moved"].get(key)
        if ids is not None:
            lines.append(f"- {label} ({len(ids)}): {_ids(ids)}")
    for key, label in (("changed_questions", "left out, changed since the baseline"),
                       ("new_questions", "left out, not in the baseline"),
                       ("baseline_only", "in the baseline only")):
        if found.get(key):
            lines.append(f"- {label} ({len(found[key])}): {_ids(found[key])}")
    if found.get("worse"):
        lines.append(f"- **significantly worse**: {', '.join(found['worse'])}")
    return lines


def _ids(ids: list[str]) -> str:
    """At most LISTED_IDS question ids, then "…" (the JSON has them all)."""
    return (", ".join(ids[:LISTED_IDS]) + (" …" if len(ids) > LISTED_IDS else "")) or "–"


def plot_modes(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = [s for s in result["splits"] if s != "all"] or result["splits"]
    modes = result["modes"]
    fig, axes = plt.subplots(1, len(splits), figsize=(6 * len(splits), 4), squeeze=False)
    width = 0.8 / max(len(modes), 1)
    for ax, split in zip(axes[0], splits, strict=True):
        for i, mode in enumerate(modes):
            row = result["retrieval"][mode].get(split, {})
            values = [row.get(m, math.nan) for m in PLOT_METRICS]
            xs = [j + (i - (len(modes) - 1) / 2) * width for j in range(len(PLOT_METRICS))]
            ax.bar(xs, values, width, label=mode)
        ax.set_xticks(range(len(PLOT_METRICS)), [HEADERS[m] for m in PLOT_METRICS])
        ax.set_ylim(0, 1.18)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        n = int(result["retrieval"][modes[0]].get(split, {}).get("n", 0))
        ax.set_title(f"{result['name']} - {split} (n={n})")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper center", ncol=len(modes), fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_kinds(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_kind = result["by_kind"]
    modes = result["modes"]
    splits = [s for s in result["splits"] if s != "all"] or result["splits"]
    fig, axes = plt.subplots(len(splits), 1, figsize=(10, 3.6 * len(splits)), squeeze=False)
    width = 0.8 / max(len(modes), 1)
    for ax, split in zip(axes[:, 0], splits, strict=True):
        kinds = sorted({k for mode in modes for k in by_kind[mode].get(split, {})})
        for i, mode in enumerate(modes):
            values = [by_kind[mode][split].get(k, {}).get("hit@1", math.nan) for k in kinds]
            xs = [j + (i - (len(modes) - 1) / 2) * width for j in range(len(kinds))]
            ax.bar(xs, values, width, label=mode)
        labels = [f"{k}\n(n={int(by_kind[modes[0]][split].get(k, {}).get('n', 0))})"
                  for k in kinds]
        ax.set_xticks(range(len(kinds)), labels)
        ax.set_ylim(0, 1.18)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_ylabel("hit@1")
        ax.set_title(f"{result['name']} - hit@1 by question kind - {split}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper center", ncol=len(modes), fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def write_report(result: dict[str, Any], out_dir: Path, stem: str) -> dict[str, Path]:
    """Write `<stem>.md/.json/-*.png` and `latest-<name>.md/.json`; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    images: dict[str, str] = {}
    paths["modes"] = out_dir / f"{stem}-modes.png"
    plot_modes(result, paths["modes"])
    images["modes"] = paths["modes"].name
    if result.get("by_kind"):
        paths["kinds"] = out_dir / f"{stem}-kinds.png"
        plot_kinds(result, paths["kinds"])
        images["kinds"] = paths["kinds"].name
    per_question = ("question_scores", "questions")
    saved = {k: v for k, v in result.items() if k != "per_query" and k not in per_question}
    saved["metrics"] = flatten(result)
    saved["files"] = {k: p.name for k, p in paths.items()}
    text = json.dumps(_jsonable(saved), ensure_ascii=False, indent=1)
    if all(k in result for k in per_question):
        # One line for the per-question columns (`eval.baseline.pack`): indented, they
        # would take a line per score.
        block = json.dumps(_jsonable(pack(result["question_scores"], result["questions"])),
                           ensure_ascii=False, separators=(",", ":"))
        text = text[:-2] + f',\n "per_question": {block}\n}}'

    body = markdown(result, images)
    paths["json"] = out_dir / f"{stem}.json"
    paths["md"] = out_dir / f"{stem}.md"
    paths["json"].write_text(text + "\n", encoding="utf-8")
    paths["md"].write_text(body, encoding="utf-8")
    paths["latest_md"] = out_dir / f"latest-{result['name']}.md"
    paths["latest_json"] = out_dir / f"latest-{result['name']}.json"
    paths["latest_md"].write_text(body, encoding="utf-8")
    paths["latest_json"].write_text(text + "\n", encoding="utf-8")
    return paths
