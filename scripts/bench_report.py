"""Time `jants report` for the shipped package: the target is under 10 s on two cores.

    python scripts/bench_report.py              # 3 runs, median and each run
    python scripts/bench_report.py --runs 5

Each run is a fresh process (`python -m jants.cli report`), so imports (pandas, Altair,
vl-convert) and the Vega bundle are counted as a user waits for them. Prints the wall and
CPU time of each run and the median, and exits 1 when the median is over the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0


def run_once(output: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one `jants report`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jants.cli", "report", "--path", str(PROJECT), "-o", str(output)], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(1, args.runs + 1):
            wall, cpu = run_once(Path(folder) / "report")
            walls.append(wall)
            print(f"run {number}: {wall:.2f} s wall, {cpu:.2f} s CPU")
        pages = len(list((Path(folder) / "report").rglob("*.html")))
    median = statistics.median(walls)
    print(f"jants report: {pages} pages, median {median:.2f} s wall over {args.runs} runs on {cores} cores (target < {TARGET_SECONDS:.0f} s)")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
