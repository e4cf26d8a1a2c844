"""`circulars ask` in-process over the seed index (fake embedder): flags are checked with
Thai and English messages before anything loads, and the answer path gets them as given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import service.answer
import service.state
from circulars.cli import main
from tests.fakes import HashEmbedder
from tests.test_service_helpers import build_seed_index

QUESTION = "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_index(tmp_path_factory.mktemp("cli-index"))


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.state, "load_service_embedder", lambda settings: HashEmbedder())


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The stderr of a command line that must exit 2 (argparse or cmd_ask)."""
    try:
        code = main(["ask", *argv])
    except SystemExit as stop:
        code = int(stop.code or 0)
    assert code == 2, argv
    return capsys.readouterr().err


def has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


@pytest.mark.parametrize("k", ["0", "51", "-3", "1000", "ห้า", "2.5"])
def test_k_outside_1_to_50_is_refused_not_clamped(capsys: pytest.CaptureFixture[str],
                                                  k: str) -> None:
    err = refused(capsys, QUESTION, "-k", k)
    assert "-k must be" in err and "from 1 to 50" in err and has_thai(err), err


@pytest.mark.parametrize("flag", ["--date-from", "--date-to"])
@pytest.mark.parametrize("value", ["24/10/2567", "2024-13-01", "2024-02-30", "20241024",
                                   "2024-W43-4", "yesterday"])
def test_bad_dates_name_the_expected_format(capsys: pytest.CaptureFixture[str], flag: str,
                                            value: str) -> None:
    err = refused(capsys, QUESTION, flag, value)
    assert "YYYY-MM-DD" in err and "ปปปป-ดด-วว" in err, err
    assert "isoformat" not in err


def test_reversed_dates_are_refused(capsys: pytest.CaptureFixture[str], index_dir: Path) -> None:
    err = refused(capsys, QUESTION, "--index", str(index_dir), "--date-from", "2025-01-01",
                  "--date-to", "2024-01-01")
    assert "--date-from is after --date-to" in err and has_thai(err)


def test_lone_surrogate_question_is_refused(capsys: pytest.CaptureFixture[str],
                                           index_dir: Path) -> None:
    err = refused(capsys, "\ud800x", "--index", str(index_dir))
    assert "not valid Unicode" in err and has_thai(err)


def test_length_limit_counts_the_trimmed_question(capsys: pytest.CaptureFixture[str],
                                                  index_dir: Path, fake_model: None) -> None:
    assert main(["ask", "  " + "ก" * 2_000 + "\n", "--index", str(index_dir), "--json"]) == 0
    err = refused(capsys, "ก" * 2_001, "--index", str(index_dir))
    assert "2,000" in err and has_thai(err)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_mode_k_and_dates_reach_the_answer(capsys: pytest.CaptureFixture[str], index_dir: Path,
                                           fake_model: None, monkeypatch: pytest.MonkeyPatch,
                                           mode: str) -> None:
    calls: list[dict[str, Any]] = []
    real = service.answer.answer

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(service.answer, "answer", spy)
    code = main(["ask", QUESTION, "--index", str(index_dir), "--mode", mode, "-k", "3",
                 "--date-from", "2024-01-01", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert [(c["mode"], c["k"], c["filters"].date_from) for c in calls] == [
        (mode, 3, "2024-01-01")]
    assert len(result["passages"]) <= 3 and result["citations"]


def test_mode_must_be_known(capsys: pytest.CaptureFixture[str]) -> None:
    assert "invalid choice" in refused(capsys, QUESTION, "--mode", "magic")


def test_broken_generator_is_a_warning_in_the_answer(capsys: pytest.CaptureFixture[str],
                                                     index_dir: Path, fake_model: None) -> None:
    code = main(["ask", QUESTION, "--index", str(index_dir), "--generator", "openai",
                 "--generator-model", "llama3", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["generator"] == "extractive" and result["citations"]
    assert "generator openai:llama3 is unavailable" in result["warnings"][0]
    assert "CIRCULARS_GENERATOR_URL" in result["warnings"][0]


@pytest.mark.usefixtures("fake_model")
def test_a_broken_thesaurus_is_named_with_its_line(capsys: pytest.CaptureFixture[str],
                                                  index_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "thesaurus.tsv"
    broken.write_text("น้ำท่วม\tอุทกภัย\nไม่มีแท็บ\n", encoding="utf-8")
    monkeypatch.setenv("CIRCULARS_THESAURUS_PATH", str(broken))
    err = refused(capsys, QUESTION, "--index", str(index_dir))
    assert f"{broken}:2" in err and has_thai(err), err


def test_doc_number_and_source_filters_narrow_the_answer(capsys: pytest.CaptureFixture[str],
                                                         index_dir: Path,
                                                         fake_model: None) -> None:
    question = "ขยายผลศูนย์จัดการกองทุนชุมชน"
    code = main(["ask", question, "--index", str(index_dir), "--json", "-k", "10",
                 "--doc-no-prefix", "นร 0017.2"])
    assert code == 0
    passages = json.loads(capsys.readouterr().out)["passages"]
    assert passages and all(p["doc_no"].startswith("นร 0017.2") for p in passages)
    source = "003_02008d6ca8269f16.txt"
    code = main(["ask", question, "--index", str(index_dir), "--json", "--source", source])
    assert code == 0
    passages = json.loads(capsys.readouterr().out)["passages"]
    assert passages and all(p["source"].endswith(source) for p in passages)
