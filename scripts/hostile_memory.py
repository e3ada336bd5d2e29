"""Peak memory of `jants validate` on each hostile package of tests/hostile.py, and at the default bounds.

Each case is built on a fresh copy of the shipped package, as the tests build it, then
validated by `jants validate --json` in its own process; the process's peak resident
memory (max RSS, from wait4) is what the case costs. The promise (docs/security.md): every
case under 1 GB. The hostile cases lower some bounds to stay small, so five more packages
test the bounds at their defaults: a 1 GB line, a Parquet file of 100 million rows, 10,000
resources, a 60 MB descriptor, a CSV of 10,000 columns.

    python scripts/hostile_memory.py                 # a table, largest first
    python scripts/hostile_memory.py --markdown      # the table for docs/security.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))
sys.path.insert(0, str(PROJECT / "scripts"))

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
        return run([sys.executable, "-m", "jants.cli", "validate", str(target), "--json", *options], {**os.environ, **case.env})


# Cases at the default bounds (the HOSTILE cases lower them to stay small) ---------------------


def long_line(root: Path) -> None:
    """A CSV whose second line is 1 GB long, refused while its bytes are checked."""
    (root / "t.csv").write_bytes(b"x\n")
    with open(root / "t.csv", "ab") as stream:
        for _ in range(1024):
            stream.write(b"a" * (1 << 20))
        stream.write(b"\n")
    _descriptor(root, [{"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "x"}]}}])


def parquet_bomb(root: Path) -> None:
    """A few hundred KB of Parquet that would expand to 100 million rows (as tests/test_hostile.py)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = pa.table({"zero": pa.array(bytes(1 << 20), pa.int8()).cast(pa.int64())})
    with pq.ParquetWriter(root / "zeros.parquet", chunk.schema, compression="zstd") as writer:
        for _ in range(96):
            writer.write_table(chunk, row_group_size=1 << 20)
    _descriptor(root, [{"name": "zeros", "path": "zeros.parquet", "format": "parquet", "schema": {"fields": [{"name": "zero", "type": "integer"}]}}])


def many_resources(root: Path) -> None:
    """10,000 small resources, the most read by default (scripts/many_resources.py)."""
    from many_resources import write_package

    root.rmdir()
    write_package(root, 10_000)


def large_descriptor(root: Path) -> None:
    """A descriptor of 60 MB, just under the 64 MiB bound: one resource with a long description."""
    (root / "t.csv").write_bytes(b"x\n1\n")
    _descriptor(root, [{"name": "t", "path": "t.csv", "description": "d" * (60 << 20), "schema": {"fields": [{"name": "x"}]}}])


def wide_csv(root: Path) -> None:
    """A CSV of 10,000 columns (the most read by default) and 1,000 rows."""
    width = 10_000
    row = ",".join("1" for _ in range(width)) + "\n"
    (root / "t.csv").write_text(",".join(f"c{i}" for i in range(width)) + "\n" + row * 1000, encoding="utf-8")
    _descriptor(root, [{"name": "t", "path": "t.csv", "schema": {"fields": [{"name": f"c{i}", "type": "integer"} for i in range(width)]}}])


def _descriptor(root: Path, resources: list[dict]) -> None:
    (root / "datapackage.json").write_text(json.dumps({"name": "bounds", "resources": resources}), encoding="utf-8")


AT_DEFAULT_BOUNDS = [long_line, parquet_bomb, many_resources, large_descriptor, wide_csv]


def measure_built(build) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="jants-bounds-") as temporary:
        root = Path(temporary) / "package"
        root.mkdir()
        build(root)
        return run([sys.executable, "-m", "jants.cli", "validate", str(root), "--json"], dict(os.environ))


def run(command: list[str], env: dict) -> tuple[float, float, int]:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    results = []
    for name, measured in [(c.name, lambda c=c: measure(c)) for c in HOSTILE] + [
        (f"{b.__name__.replace('_', '-')} (default bounds)", lambda b=b: measure_built(b)) for b in AT_DEFAULT_BOUNDS
    ]:
        rss, seconds, code = measured()
        results.append((name, rss, seconds, code))
        print(f"{name}: {rss:.0f} MB, {seconds:.1f} s, exit {code}", file=sys.stderr)
    results.sort(key=lambda r: -r[1])
    over = [r for r in results if r[1] >= LIMIT_MB]
    if args.markdown:
        print("| case | peak RSS | time | exit |\n|---|---|---|---|")
        for name, rss, seconds, code in results:
            print(f"| {name} | {rss:.0f} MB | {seconds:.1f} s | {code} |")
    print(f"{len(results)} cases; largest peak {results[0][1]:.0f} MB ({results[0][0]}); {len(over)} at or over {LIMIT_MB} MB", file=sys.stderr)
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
