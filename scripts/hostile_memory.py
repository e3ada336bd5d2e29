"""Peak memory of `jants validate` on each hostile package of tests/hostile.py.

Each case is built on a fresh copy of the shipped package, as the tests build it, then
validated by `jants validate --json` in its own process; the process's peak resident
memory (max RSS, from wait4) is what the case costs. The promise (docs/security.md): every
case under 1 GB.

    python scripts/hostile_memory.py                 # a table, largest first
    python scripts/hostile_memory.py --markdown      # the table for docs/security.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))

from hostile import HOSTILE, SOURCES  # noqa: E402

LIMIT_MB = 1024


def measure(case) -> tuple[float, float, int]:
    """Peak RSS (MB), wall time (s) and exit code of validating one case."""
    with tempfile.TemporaryDirectory(prefix="jants-hostile-") as temporary:
        package, scratch = Path(temporary) / "package", Path(temporary) / "scratch"
        package.mkdir()
        scratch.mkdir()
        shutil.copy(PROJECT / "datapackage.json", package / "datapackage.json")
        shutil.copytree(PROJECT / "data", package / "data")
        target = case.mutate(package, scratch) or package
        options = ["--sources", str(case.sources(scratch))] if case.sources and SOURCES.is_dir() else []
        command = [sys.executable, "-m", "jants.cli", "validate", str(target), "--json", *options]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **case.env})
        _, status, usage = os.wait4(process.pid, 0)
        return usage.ru_maxrss / 1024, time.perf_counter() - started, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    results = []
    for case in HOSTILE:
        rss, seconds, code = measure(case)
        results.append((case.name, rss, seconds, code))
        print(f"{case.name}: {rss:.0f} MB, {seconds:.1f} s, exit {code}", file=sys.stderr)
    results.sort(key=lambda r: -r[1])
    over = [r for r in results if r[1] >= LIMIT_MB]
    if args.markdown:
        print(f"| case | peak RSS | time | exit |\n|---|---|---|---|")
        for name, rss, seconds, code in results:
            print(f"| {name} | {rss:.0f} MB | {seconds:.1f} s | {code} |")
    print(f"{len(results)} cases; largest peak {results[0][1]:.0f} MB ({results[0][0]}); {len(over)} at or over {LIMIT_MB} MB", file=sys.stderr)
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
