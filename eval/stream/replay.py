"""Replay crisis windows through the bot and keep its messages: the input of the stream score.

Runs the public replay command for each window, exactly as a person would::

    python run.py demo --once --json --corpus ../shared/corpus/news2023.jsonl.gz \\
        --since D1 --until D2 --step-hours 0.25 --per-feed 100000

and writes what it printed to ``<out>/<window>.jsonl`` (default ``var/stream``, not committed: it
holds corpus text). Two replays run at a time.

    .venv/bin/python -m eval.stream.replay                  # every development window
    .venv/bin/python -m eval.stream.replay gaza-hospital    # one
    .venv/bin/python -m eval.stream.replay --sealed         # the sealed windows too (to report)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.match_evaluation import DEFAULT_CORPUS
from eval.stream.windows import Window, load_windows

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "var" / "stream"
STEP_HOURS = 0.25
PER_FEED = 100_000


def replay_command(w: Window, corpus: Path, config: Path | None = None) -> list[str]:
    cmd = [sys.executable, str(ROOT / "run.py")]
    if config is not None:
        cmd += ["--config", str(config)]
    return [
        *cmd,
        "demo", "--once", "--json", "--corpus", str(corpus),
        "--since", w.since.isoformat(), "--until", w.until.isoformat(),
        "--step-hours", str(STEP_HOURS), "--per-feed", str(PER_FEED),
    ]  # fmt: skip


def run_replay(w: Window, corpus: Path, out: Path, config: Path | None = None) -> tuple[str, float, str]:
    """(window, seconds, error or "") after writing ``out/<window>.jsonl``."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{w.name}.jsonl"
    started = time.monotonic()
    with target.open("w", encoding="utf-8") as fh:
        done = subprocess.run(
            replay_command(w, corpus, config), stdout=fh, stderr=subprocess.PIPE, text=True, check=False
        )
    error = "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()[-500:]}"
    return w.name, time.monotonic() - started, error


def chosen_windows(names: Sequence[str], *, sealed: bool) -> list[Window]:
    windows = load_windows()
    if names:
        known = {w.name: w for w in windows}
        missing = [n for n in names if n not in known]
        if missing:
            raise SystemExit(f"no window {', '.join(missing)} (have: {', '.join(known)})")
        picked = [known[n] for n in names]
        if not sealed and any(w.sealed for w in picked):
            raise SystemExit("that window is sealed: add --sealed to replay it for a report")
        return picked
    return [w for w in windows if sealed or not w.sealed]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("windows", nargs="*")
    parser.add_argument("--sealed", action="store_true", help="include the sealed windows")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--config", type=Path, help="bot config (default: the bot's default)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        raise SystemExit(f"no corpus at {args.corpus}")
    windows = chosen_windows(args.windows, sealed=args.sealed)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda w: run_replay(w, args.corpus, args.out, args.config), windows))
    failed = 0
    for name, seconds, error in results:
        outcome = f"FAILED {error}" if error else "ok"
        print(f"{name}: {outcome} ({seconds:.0f} s) -> {args.out / (name + '.jsonl')}")
        failed += bool(error)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
