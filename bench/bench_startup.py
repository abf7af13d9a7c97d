"""Start-up: what the gazetteer costs a process, read from the disk cache (and built from geonames
once, to fill it), with the matcher built on it for three region watches (Idlib, Donetsk Oblast and
the whole of Ukraine, whose watch holds every village in the country) and for the default
config/sitrep.toml watchlists.

Each measure is a fresh process (so none warms another), repeated; it prints the median of: wall
time from the start of the probe, time of ``load_gazetteer`` alone, peak RSS, and RSS once done and
before the gazetteer was loaded (imports only), whose difference is what the gazetteer (and the
matcher) keep resident. ``--before DIR`` runs the same probes on another checkout (one made with
``git archive <commit> | tar -x -C DIR``), each with its own cache directory, and prints both side by
side (docs/BENCHMARKS.md).

    python bench/bench_startup.py [--runs 5] [--before DIR] [--no-build]
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

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

from bot.geo import build_gazetteer, load_gazetteer
mode, cache = sys.argv[1], sys.argv[2]
if mode in ("watch", "default"):
    from bot.core.matching import Matcher
    from bot.core.watchlists import Region, Rule, Watchlist
if mode == "default":
    from config.settings import load_settings
before = rss_mb()
loading = time.perf_counter()
if mode == "build":
    g = build_gazetteer()
else:
    g = load_gazetteer(environ={{"SITREP_CACHE_DIR": cache}})
load_s = time.perf_counter() - loading
matching = time.perf_counter()
if mode == "watch":
    Matcher(
        [
            Watchlist(n.lower(), ("C0BENCH0001",), regions=(Region(n),), rule=Rule.REGION)
            for n in ("Idlib", "Donetsk Oblast", "Ukraine")
        ],
        g,
    )
elif mode == "default":
    Matcher(load_settings({config!r}, {{}}).watchlists, g)
matcher_s = time.perf_counter() - matching
seconds = time.perf_counter() - started
print(json.dumps({{
    "seconds": seconds,
    "load_s": load_s,
    "matcher_s": matcher_s,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_mb": rss_mb(),
    "before_mb": before,
    "places": len(g.places),
}}))
"""
ROWS = (
    ("build", "built from geonames"),
    ("load", "read from the disk cache"),
    ("watch", "cache + matcher, 3 watches"),
    ("default", "cache + matcher, default config"),
)


def measure(root: Path, mode: str, cache: str, runs: int) -> dict[str, float]:
    probe = PROBE.format(root=str(root), config=str(root / "config" / "sitrep.toml"))
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", probe, mode, cache], check=True, capture_output=True, text=True
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {name: statistics.median(r[name] for r in out) for name in out[0]}


def measure_all(root: Path, runs: int, build: bool) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as cache:
        measure(root, "load", cache, 1)  # writes the cache
        return {mode: measure(root, mode, cache, runs) for mode, _ in ROWS if build or mode != "build"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to measure beside this one")
    parser.add_argument(
        "--no-build", action="store_true", help="skip the build from geonames (20–40 s a run)"
    )
    args = parser.parse_args()
    sides = {"after": measure_all(ROOT, args.runs, not args.no_build)}
    if args.before is not None:
        sides = {"before": measure_all(args.before.resolve(), args.runs, not args.no_build), **sides}
    heads = f"{'s':>7}{'load s':>8}{'matcher s':>10}{'peak MB':>9}{'RSS MB':>8}{'+RSS MB':>8}"
    print(f"{'gazetteer':<32}{'':<7}{heads}")
    for mode, title in ROWS:
        for side, results in sides.items():
            r = results.get(mode)
            if r is None:
                continue
            print(
                f"{title:<32}{side:<7}{r['seconds']:>7.2f}{r['load_s']:>8.3f}{r['matcher_s']:>10.2f}{r['peak_mb']:>9.0f}"
                f"{r['rss_mb']:>8.0f}{r['rss_mb'] - r['before_mb']:>8.0f}"
            )
            title = ""
    places = next(iter(sides["after"].values()))["places"]
    print(
        f"places: {places:,.0f}. s: the probe, its imports included; load s: load_gazetteer alone;"
        " matcher s: building the Matcher; +RSS: resident once done, less the RSS after imports"
    )


if __name__ == "__main__":
    main()
