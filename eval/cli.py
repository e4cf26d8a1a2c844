"""`circulars eval`: offline evaluation of retrieval and answers, with a report.

    circulars eval                                   # circular set, default index
    circulars eval --split dev --no-answers          # quicker
    circulars eval --validate                        # only check the gold labels
    circulars eval --tune-threshold                  # min_score for not-found, on dev
    circulars eval --beir ../shared/data/xquad-th/retrieval
    circulars eval --beir ../shared/data/iapp-wiki-qa/retrieval --prefix test.
    circulars eval --min hybrid.test.hit@1=0.9 --min answer.test.citation_f1=0.8
    circulars eval --split dev --baseline eval/reports/latest-circulars.json

The circular set is scored against the index in `--index` (default
`.index/default`, built from `corpus/` with the configured model when missing);
its gold labels are validated first. A BEIR folder is indexed as `.jsonl`
documents into `<cache>/eval-index/<name>` (rebuilt only when the corpus or the
model changed). Reports go to `eval/reports/` (`--out`).

With `--baseline` an earlier report of the same set is compared with this run
(`eval.baseline`); `--fail-on-regression` then fails on a significant drop.

Exit codes: 0 success; 1 a metric is below its `--min` floor, the labels are
broken, or (with `--fail-on-regression`) a metric dropped significantly; 2 bad
input or usage (malformed line, empty query set, unknown metric, missing or
mismatched index, model not available, unreadable baseline report).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from circulars.settings import PROJECT_ROOT, Settings
from eval.data import EvalInputError, Question, read_beir, read_questions, select_split

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.jsonl"
REPORTS_DIR = PROJECT_ROOT / "eval" / "reports"
CIRCULAR_NAME = "circulars"


def parse_floor(text: str) -> tuple[str, float]:
    """"hybrid.test.hit@1=0.9" -> ("hybrid.test.hit@1", 0.9)."""
    name, sep, value = text.partition("=")
    try:
        if not sep or not name.strip():
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็น METRIC=VALUE / expected METRIC=VALUE, e.g. hybrid.test.hit@1=0.9, "
            f"not {text!r}") from None


def parse_modes(text: str) -> list[str]:
    from retriever.search import MODES

    modes = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if not modes or unknown:
        raise argparse.ArgumentTypeError(
            f"โหมดไม่ถูกต้อง / unknown mode(s) {', '.join(unknown) or text!r}; "
            f"use a comma list of {', '.join(MODES)}")
    return modes


def add_eval_parser(sub: Any, common: Any) -> None:
    """Register `eval` on the `circulars` subparsers (`common` adds --index and --model)."""
    p = sub.add_parser("eval", help="evaluate retrieval and answers offline; write a report",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common(p)
    p.add_argument("--beir", type=Path, metavar="FOLDER",
                   help="a BEIR-style folder (corpus.jsonl, queries.jsonl, qrels.tsv) instead "
                        "of the circular set")
    p.add_argument("--prefix", default="", help="file name prefix in the BEIR folder, e.g. test.")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS,
                   help="circular question set (default: eval/questions.jsonl)")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all",
                   help="circular set split (default all; dev and test are always shown apart)")
    p.add_argument("--modes", type=parse_modes, default=["bm25", "dense", "hybrid"],
                   help="comma list of modes (default bm25,dense,hybrid)")
    p.add_argument("--limit", type=int, default=0, help="only the first N questions")
    p.add_argument("--validate", action="store_true",
                   help="only check the circular set's labels against the index")
    p.add_argument("--tune-threshold", action="store_true",
                   help="sweep min_score on the dev split and print the best value")
    p.add_argument("--tune-objective", choices=("balanced", "accuracy"), default="balanced",
                   help="what --tune-threshold maximises: balanced accuracy of the not-found "
                        "decision (default) or plain accuracy over all dev questions")
    p.add_argument("--no-answers", action="store_true", help="skip the answer metrics")
    p.add_argument("--answer-k", type=int, default=5, help="passages per answer (default 5)")
    p.add_argument("--min-score", type=float, default=None,
                   help="min_score passed to the answerer (default: its DEFAULT_MIN_SCORE)")
    p.add_argument("--stat-test", choices=("fisher", "student"), default="fisher",
                   help="paired significance test between modes (default fisher)")
    p.add_argument("--min", dest="floors", action="append", type=parse_floor, default=[],
                   metavar="METRIC=VALUE",
                   help="fail (exit 1) when METRIC is below VALUE, e.g. hybrid.test.hit@1=0.9; "
                        "repeatable")
    p.add_argument("--baseline", type=Path, metavar="REPORT.json",
                   help="an earlier report of the same set to compare with (differences, "
                        "paired tests, questions that moved); e.g. "
                        "eval/reports/latest-circulars.json before this run replaces it")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="with --baseline: exit 1 when a metric is significantly lower")
    p.add_argument("--out", type=Path, default=REPORTS_DIR, help="report folder")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_eval)


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "index", None) and not getattr(args, "beir", None):
        overrides["index_dir"] = Path(args.index)
    if getattr(args, "model", None):
        overrides["embedding_model"] = args.model
    return Settings(**overrides)


def cmd_eval(args: argparse.Namespace) -> int:
    return run_eval(args, _settings(args))


def run_eval(args: argparse.Namespace, settings: Settings, embedder: Any = None) -> int:
    """The whole command; `embedder` is loaded from the settings when not given."""
    from indexer.embedder import EmbedderNotFound
    from indexer.manifest import IndexProblem
    from retriever.thesaurus import ThesaurusError

    try:
        if args.fail_on_regression and not args.baseline:
            raise EvalInputError("--fail-on-regression ต้องใช้คู่กับ --baseline / "
                                 "--fail-on-regression needs --baseline")
        if args.baseline:
            # Read now: this run may replace the file (latest-*.json) before comparing.
            from eval.baseline import read_baseline

            args.baseline_report = read_baseline(args.baseline)
            wanted = "beir" if args.beir else "circulars"
            if args.baseline_report.get("kind") != wanted:
                raise EvalInputError(
                    f"{args.baseline}: รายงานฐานเป็นของชุดอื่น / the baseline report is of "
                    f"another set ({args.baseline_report.get('name')!r}, not a {wanted} run)")
        if args.beir:
            return _run_beir(args, settings, embedder)
        return _run_circulars(args, settings, embedder)
    except EvalInputError as error:
        _say(f"ข้อมูลนำเข้าผิดพลาด / bad input: {error}")
        return 2
    except (IndexProblem, EmbedderNotFound, ThesaurusError) as error:
        _say(str(error))
        return 2


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _embedder(settings: Settings, embedder: Any) -> Any:
    if embedder is not None:
        return embedder
    from circulars.cli import load_embedder_for

    _say(f"โหลดโมเดล / loading model: {settings.embedding_model}")
    return load_embedder_for(settings)


class _Lazy:
    """Loads the embedder on first use, so --validate on a built index needs no model."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        self.settings = settings
        self.value = embedder

    def get(self) -> Any:
        if self.value is None:
            self.value = _embedder(self.settings, None)
        return self.value


def _ensure_circular_index(args: argparse.Namespace, settings: Settings, lazy: _Lazy,
                           progress: bool) -> None:
    """Build the index when missing; the default one is also brought up to date.

    The default index (no --index) is built from `settings.corpus_dirs`, so it is
    refreshed like `circulars index` would (an unchanged corpus costs one hash per
    file). An index given with --index may hold other files: it is only built when
    missing, and used as it is otherwise.
    """
    from indexer.build import build_index
    from indexer.manifest import IndexMissing, current_version_dir

    try:
        current_version_dir(settings.index_dir)
        missing = False
    except IndexMissing:
        missing = True
    if args.index and not missing:
        return
    if missing:
        _say(f"ยังไม่มีดัชนี กำลังสร้างจาก {', '.join(map(str, settings.corpus_dirs))} / no index "
             f"at {settings.index_dir}: building it")
    report = build_index(list(settings.corpus_dirs), settings.index_dir, settings, lazy.get(),
                         progress=progress)
    if not report.ok:
        raise EvalInputError(f"สร้างดัชนีไม่ได้ / could not build the index: {report.failures}")
    if not report.up_to_date:
        _say(f"ดัชนี / index {settings.index_dir}: {report.chunks} chunks (built)")


def _validate(questions: list[Question], settings: Settings, path: Path) -> list[str]:
    from eval.validate import validate_labels
    from indexer.build import STORE_FILE
    from indexer.manifest import current_version_dir
    from indexer.store import Store

    with Store(current_version_dir(settings.index_dir) / STORE_FILE, readonly=True) as store:
        return validate_labels(questions, store.iter_chunks(), path)


def _run_circulars(args: argparse.Namespace, settings: Settings, embedder: Any) -> int:
    from eval.runner import (
        AnswererMissing,
        evaluate_answers,
        evaluate_circulars,
        split_names,
    )
    from retriever.search import Searcher

    progress = not args.quiet
    questions = read_questions(args.questions)
    lazy = _Lazy(settings, embedder)
    _ensure_circular_index(args, settings, lazy, progress)
    problems = _validate(questions, settings, args.questions)
    if problems:
        _say(f"ป้ายกำกับใช้ไม่ได้ {len(problems)} รายการ / {len(problems)} label problems "
             f"in {args.questions} against {settings.index_dir}:")
        for problem in problems:
            _say(f"  {problem}")
        return 1
    labels = sum(len(q.gold) for q in questions)
    _say(f"ตรวจป้ายกำกับแล้ว / labels OK: {len(questions)} questions, {labels} gold labels "
         f"all present in {settings.index_dir}")
    if args.validate:
        return 0
    if args.tune_threshold:
        return _tune(args, settings, lazy.get(), questions)

    selected = select_split(questions, args.split)
    if args.limit:
        selected = selected[: args.limit]
    if not selected:
        raise EvalInputError(f"{args.questions}: ไม่มีคำถามใน split {args.split} / no questions "
                             f"in split {args.split!r}")
    searcher = Searcher(settings.index_dir, lazy.get(), settings)
    try:
        splits = split_names(args.split)
        result = evaluate_circulars(searcher, selected, splits, args.modes, args.stat_test,
                                    progress)
        name = CIRCULAR_NAME if args.split == "all" else f"{CIRCULAR_NAME}-{args.split}"
        result["name"] = name
        if not args.no_answers:
            try:
                result["answers"] = evaluate_answers(
                    searcher, selected, splits, k=args.answer_k, min_score=args.min_score,
                    progress=progress)
            except AnswererMissing as error:
                result["answers_skipped"] = str(error)
                _say(f"คำเตือน / warning: {error}")
        return _finish(args, settings, searcher, result, str(args.questions))
    finally:
        searcher.close()


def _run_beir(args: argparse.Namespace, settings: Settings, embedder: Any) -> int:
    from eval.runner import evaluate_beir
    from indexer.build import build_index
    from retriever.search import Searcher

    progress = not args.quiet
    if args.validate or args.tune_threshold:
        raise EvalInputError("--validate และ --tune-threshold ใช้กับชุดคำถามหนังสือเวียนเท่านั้น / "
                             "--validate and --tune-threshold apply to the circular set only")
    if args.split != "all":
        _say("คำเตือน / warning: ชุด BEIR ไม่มี dev/test จึงประเมินทั้งหมด / BEIR sets have no "
             "dev/test split; evaluating all queries")
    data = read_beir(args.beir, args.prefix, args.limit or None)
    for warning in data.warnings:
        _say(f"คำเตือน / warning: {warning}")
    index_dir = Path(args.index) if args.index else settings.cache_dir / "eval-index" / data.name
    model = _embedder(settings, embedder)
    report = build_index([data.corpus_path], index_dir, settings, model, progress=progress)
    _say(f"ดัชนี / index {index_dir}: {report.chunks} chunks "
         f"({'ใช้ของเดิม / cached' if report.up_to_date else 'สร้างใหม่ / built'})")
    if not report.ok:
        raise EvalInputError(f"{data.corpus_path}: ทำดัชนีไม่ได้ / nothing could be indexed")
    settings = settings.model_copy(update={"index_dir": index_dir})
    searcher = Searcher(index_dir, model, settings)
    try:
        result = evaluate_beir(searcher, data, args.modes, args.stat_test, progress)
        result["name"] = data.name
        return _finish(args, settings, searcher, result, f"{args.beir} (prefix {args.prefix!r})")
    finally:
        searcher.close()


def _tune(args: argparse.Namespace, settings: Settings, embedder: Any,
          questions: list[Question]) -> int:
    from eval.report import fmt
    from eval.runner import AnswererMissing, tune_threshold
    from retriever.search import Searcher

    dev = [q for q in questions if q.split == "dev"]
    if not any(not q.answerable for q in dev) or not any(q.answerable for q in dev):
        raise EvalInputError("dev ต้องมีทั้งคำถามที่ตอบได้และตอบไม่ได้ / the dev split needs both "
                             "answerable and unanswerable questions to tune on")
    searcher = Searcher(settings.index_dir, embedder, settings)
    try:
        tuned = tune_threshold(searcher, dev, k=args.answer_k, objective=args.tune_objective,
                               progress=not args.quiet)
    except AnswererMissing as error:
        _say(str(error))
        return 2
    finally:
        searcher.close()
    best, confirmed = tuned["best"], tuned["confirmed"]
    print(f"ปรับเกณฑ์บน dev / min_score sweep on dev ({tuned['n']} questions, "
          f"{tuned['n_unanswerable']} unanswerable); predicted from relevance scores:")
    print("| min_score | not-found acc. | false not-found | answerable recall | balanced | "
          "accuracy |")
    print("|---|---|---|---|---|---|")
    for row in tuned["rows"]:
        mark = " ←" if row == best else ""
        print(f"| {row['min_score']:.4f}{mark} | {fmt(row['not_found_accuracy'])} | "
              f"{fmt(row['false_not_found_rate'])} | {fmt(row['answerable_recall'])} | "
              f"{fmt(row['balanced'])} | {fmt(row['accuracy'])} |")
    if tuned["at_current"]:
        now = tuned["at_current"]
        print(f"\nmin_score ปัจจุบัน / current = {tuned['current']}: not-found accuracy "
              f"{fmt(now['not_found_accuracy'])}, answerable recall "
              f"{fmt(now['answerable_recall'])} (predicted)")
    print(f"\nค่าที่ดีที่สุด / best ({tuned['objective']}): min_score = "
          f"{best['min_score']:.4f} — dev not-found "
          f"accuracy {fmt(confirmed['not_found_accuracy'])}, answerable citation recall "
          f"{fmt(confirmed['citation_recall'])}, false not-found "
          f"{fmt(confirmed['false_not_found_rate'])} (confirmed by answering dev again)")
    return 0


def _git(*command: str) -> str | None:
    try:
        done = subprocess.run(["git", *command], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _meta(args: argparse.Namespace, searcher: Any, source: str) -> dict[str, Any]:
    manifest = searcher.manifest
    now = dt.datetime.now().astimezone()
    # Earlier reports rewritten by this tool are not changes to what is measured.
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".",
                  ":(exclude)eval/reports")
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
               if k not in ("func", "baseline_report")}
    return {
        "date": now.date().isoformat(), "timestamp": now.isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(status),
        "model": searcher.embedder.model_name, "input": source, "options": options,
        "command": " ".join(["circulars eval", *_argv(args)]),
        "index": {
            "path": str(searcher.version_dir.parent), "version": searcher.version_dir.name,
            "model": manifest.model, "dimension": manifest.dimension,
            "chunker_version": manifest.chunker_version, "tokenizer": manifest.tokenizer,
            "segmenter": manifest.segmenter,
            "faiss_kind": manifest.faiss_kind, "counts": manifest.counts,
            "created": manifest.created, "files": manifest.files,
        },
    }


def _argv(args: argparse.Namespace) -> list[str]:
    out: list[str] = []
    for flag in ("index", "model"):
        if getattr(args, flag, None):
            out += [f"--{flag}", str(getattr(args, flag))]
    if args.beir:
        out += ["--beir", str(args.beir)] + (["--prefix", args.prefix] if args.prefix else [])
    if args.split != "all":
        out += ["--split", args.split]
    if args.modes != ["bm25", "dense", "hybrid"]:
        out += ["--modes", ",".join(args.modes)]
    if args.limit:
        out += ["--limit", str(args.limit)]
    if getattr(args, "no_answers", False):
        out.append("--no-answers")
    for name, value in args.floors:
        out += ["--min", f"{name}={value}"]
    if getattr(args, "baseline", None):
        out += ["--baseline", str(args.baseline)]
    if getattr(args, "fail_on_regression", False):
        out.append("--fail-on-regression")
    return out


def check_floors(flat: dict[str, float],
                 floors: Sequence[tuple[str, float]]) -> tuple[list[dict[str, Any]], list[str]]:
    """(one row per floor with value and ok, unknown metric names)."""
    rows: list[dict[str, Any]] = []
    unknown: list[str] = []
    for name, floor in floors:
        if name not in flat:
            unknown.append(name)
            continue
        value = flat[name]
        rows.append({"metric": name, "value": value, "floor": floor,
                     "ok": value == value and value >= floor})  # NaN never passes
    return rows, unknown


def _finish(args: argparse.Namespace, settings: Settings, searcher: Any, result: dict[str, Any],
            source: str) -> int:
    from eval.report import flatten, markdown, write_report

    result["meta"] = _meta(args, searcher, source)
    baseline = getattr(args, "baseline_report", None)
    if baseline is not None:
        from eval.baseline import compare_runs

        try:
            result["against_baseline"] = compare_runs(result, baseline)
        except EvalInputError as error:  # the run itself is good: keep its report
            _say(f"คำเตือน / warning: ไม่ได้เทียบกับรายงานฐาน / not compared: {error}")
    flat = flatten(result)
    rows, unknown = check_floors(flat, args.floors)
    result["floors"] = rows
    stem = f"{result['name']}-{result['meta']['date']}"
    paths = write_report(result, args.out, stem)
    shown = {k: v for k, v in result.items() if k != "misses"}
    print(markdown(shown, {}))
    print(f"รายงาน / report: {paths['md']}  ({paths['json'].name}, "
          f"{', '.join(p.name for k, p in paths.items() if p.suffix == '.png')}; "
          f"also {paths['latest_md'].name})")
    if unknown:
        known = sorted(k for k in flat if ".kind." not in k)
        _say(f"ไม่รู้จักตัวชี้วัด / unknown metric(s) for --min: {', '.join(unknown)}. Known: "
             f"{', '.join(known)} (and <mode>.<split>.kind.<kind>.<metric>)"
             + (f"; answers were skipped: {result['answers_skipped']}"
                if result.get("answers_skipped") else ""))
        return 2
    failed = [r for r in rows if not r["ok"]]
    for r in failed:
        _say(f"ต่ำกว่าเกณฑ์ / below floor: {r['metric']} = {r['value']:.4f} < {r['floor']}")
    worse = result.get("against_baseline", {}).get("worse", [])
    if worse:
        _say(f"แย่ลงอย่างมีนัยสำคัญ / significantly worse than the baseline: {', '.join(worse)}")
    return 1 if failed or (worse and args.fail_on_regression) else 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", help="index folder (default: .index/default; for --beir the "
                                   "cached eval index)")
    p.add_argument("--model", help="embedding model: a sentence-transformers name or folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="circulars")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_parser(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m eval.cli [options]`: the same as `circulars eval [options]`."""
    import os

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PYTHAINLP_OFFLINE"):
        os.environ.setdefault(name, "1")
    args = build_parser().parse_args(["eval", *(argv if argv is not None else sys.argv[1:])])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
