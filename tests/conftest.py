"""Shared fixtures: the authors' MNIST curves (read in place) and a CLI runner."""

from __future__ import annotations

import _thread
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from powsim.cli import main

REPO = Path(__file__).resolve().parents[1]
PAPER_MNIST = REPO.parent / "shared" / "reference" / "paper-mnist"
ATTACK_CSV = PAPER_MNIST / "model_extraction_attack_accuracy_mnist.csv"
REFERENCE_CSV = PAPER_MNIST / "time_privacy_cost_mnist.csv"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the tests' machine key and stored hash rate out of the user's cache."""
    folder = tmp_path_factory.mktemp("powsim-cache")
    os.environ.setdefault("POWSIM_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``powsim ARGS`` in process; return its exit code, stdout and stderr."""

    def run(*args: object) -> CliResult:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def ctrl_c_after():
    """Start a timer that presses Ctrl-C (KeyboardInterrupt in the main thread) after the given
    seconds. Python's own SIGINT handler is put in place first: a process started in the
    background by a non-interactive shell inherits SIGINT ignored, and would never see it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers: list[threading.Timer] = []

    def start(seconds: float) -> None:
        timers.append(threading.Timer(seconds, _thread.interrupt_main))
        timers[-1].start()

    yield start
    for timer in timers:
        timer.cancel()
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def within():
    """Call ``function()`` in a thread: what it returns, or what it raises, here; a failure if
    it has not returned within ``seconds`` (opening a FIFO to read waits for a writer forever,
    and the thread is left behind as a daemon rather than hang the suite)."""

    def call(function, seconds: float = 60.0):
        outcome: list[tuple[bool, object]] = []

        def run() -> None:
            try:
                outcome.append((True, function()))
            except BaseException as err:  # raised again in the test's thread
                outcome.append((False, err))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(seconds)
        assert outcome, f"still running after {seconds:g} s"
        returned, value = outcome[0]
        if not returned:
            raise value
        return value

    return call


@pytest.fixture(scope="session")
def paper_curves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The authors' MNIST curves imported as curve traces into a temporary folder."""
    if not ATTACK_CSV.is_file():
        pytest.fail(f"{ATTACK_CSV} is missing: ../shared must sit beside the checkout")
    out = tmp_path_factory.mktemp("paper-curves")
    for csv in (ATTACK_CSV, REFERENCE_CSV):
        assert main(["traces", "import-curve", str(csv), "--dataset", "mnist", "--out", str(out)]) == 0
    return out


def assert_one_line_error(result: CliResult, *fragments: str) -> None:
    """Exit code 2, nothing on stdout, exactly one line on stderr containing ``fragments``."""
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
