"""Start-up: the gazetteer built from geonames (the baseline) beside the one read from the disk cache,
and a process that reads it and builds the matcher for three region watches (Idlib, Donetsk Oblast,
and the whole of Ukraine, whose watch holds every village in the country).

Each measure is a fresh process (so neither warms the other), repeated; it prints the median wall
time and the process's peak RSS. Run it on two commits to compare gazetteers (docs/BENCHMARKS.md).

    python bench/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
from bot.geo import build_gazetteer, load_gazetteer
if sys.argv[1] == "build":
    g = build_gazetteer()
else:
    g = load_gazetteer(environ={{"SITREP_CACHE_DIR": sys.argv[2]}})
if sys.argv[1] == "watch":
    from bot.core.matching import Matcher
    from bot.core.watchlists import Region, Rule, Watchlist
    Matcher(
        [
            Watchlist(n.lower(), ("C0BENCH0001",), regions=(Region(n),), rule=Rule.REGION)
            for n in ("Idlib", "Donetsk Oblast", "Ukraine")
        ],
        g,
    )
seconds = time.perf_counter() - started
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "rss_mb": rss_mb, "places": len(g.places)}}))
"""


def measure(mode: str, cache: str, runs: int) -> dict[str, float]:
    out = []
    for _ in range(runs):
        line = (
            subprocess.run(
                [sys.executable, "-c", PROBE.format(root=str(ROOT)), mode, cache],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        out.append(json.loads(line))
    return {
        "seconds": statistics.median(r["seconds"] for r in out),
        "rss_mb": statistics.median(r["rss_mb"] for r in out),
        "places": out[0]["places"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        measure("load", cache, 1)  # writes the cache
        base = measure("build", cache, args.runs)
        warm = measure("load", cache, args.runs)
        watch = measure("watch", cache, args.runs)
    print(f"{'gazetteer':<34}{'median s':>10}{'peak RSS MB':>13}{'places':>9}")
    for name, r in (
        ("built from geonames (baseline)", base),
        ("read from the disk cache", warm),
        ("cache + matcher for 3 watches", watch),
    ):
        print(f"{name:<34}{r['seconds']:>10.2f}{r['rss_mb']:>13.0f}{r['places']:>9}")
    print(f"speed-up ×{base['seconds'] / warm['seconds']:.1f}")


if __name__ == "__main__":
    main()
