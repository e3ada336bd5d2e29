"""Validate a package of real rows larger than memory (issue 19, item 3).

    python scripts/scale.py                         # 2x10^7 observations, budget 512M
    python scripts/scale.py --rows 1000000 --memory-budget 64M --keep /tmp/grown

Grows the shipped package (data/ and datapackage.json) to N observations by repeating
its own rows, every column as shipped and ids renumbered (each copy adds `-r<copy>`,
as scripts/bench.py does), writes the derived figures table for them in its order
(observation_date, observation_id), drops the Parquet copies (they would only repeat
the CSV), and records sizes and hashes. Writing goes through pyarrow and jants' own
CSV writer (jants.csvtext, as jants build writes), so the package is made without ever
holding it. Then it runs `jants validate --memory-budget` on it,
in its own process, and reports the wall time and peak memory (max RSS) of that
process. A watchdog stops the validation if its memory passes --kill-above, so that a
run that does not fit cannot take the machine down.

The package is written to a temporary folder and deleted afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from jants.csvtext import csv_cells, csv_lines, header_line

PROJECT = Path(__file__).resolve().parents[1]
COPIES_PER_WRITE = 64


def read_strings(path: Path) -> pa.Table:
    names = pacsv.read_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 24)).column_names
    options = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True, quoted_strings_can_be_null=False)
    return pacsv.read_csv(path, convert_options=options)


def suffixed(ids: pa.Array, copies: np.ndarray) -> pa.Array:
    """Each id with `-r<copy>` added, the first copy (0) as shipped."""
    suffix = pa.array([f"-r{copy:05d}" if copy else "" for copy in copies.tolist()], pa.string())
    return pc.binary_join_element_wise(ids, suffix, "")


def write_rows(stream, table: pa.Table, header: bool) -> None:
    """Rows as jants build writes them (the csv module's quoting), so that the grown
    figures table is, byte for byte, what the build would write for the grown tables."""
    if header:
        stream.write(header_line(table.column_names))
    if table.num_rows:
        stream.write(csv_lines([csv_cells(column.combine_chunks()) for column in table.columns]))


def grow(target: Path, rows: int) -> dict[str, int]:
    """The shipped package with ROWS observations (and their figures) in TARGET."""
    (target / "data").mkdir(parents=True)
    descriptor = json.loads((PROJECT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if not r.get("copyOf")]
    for resource in descriptor["resources"]:
        if resource["name"] not in ("observations", "figures"):
            shutil.copy(PROJECT / resource["path"], target / resource["path"])
    observations = read_strings(PROJECT / "data" / "observations.csv")
    figures = read_strings(PROJECT / "data" / "figures.csv")
    shipped = observations.num_rows
    copies = -(-rows // shipped)
    with open(target / "data" / "observations.csv", "wb") as stream:  # copy by copy, each in the shipped order
        for first in range(0, copies, COPIES_PER_WRITE):
            block = np.arange(first, min(first + COPIES_PER_WRITE, copies))
            index = np.tile(np.arange(shipped), len(block))
            copy = np.repeat(block, shipped)
            keep = copy * shipped + index < rows
            index, copy = index[keep], copy[keep]
            part = observations.take(pa.array(index))
            part = part.set_column(part.column_names.index("observation_id"), "observation_id", suffixed(part.column("observation_id").combine_chunks(), copy))
            write_rows(stream, part, header=first == 0)
    # Figures: each shipped row followed by its copies keeps the order (observation_date,
    # observation_id), since "x-r00001" sorts after "x" and before the next id; the copies
    # are named by no discrepancy.
    position = {observation: at for at, observation in enumerate(observations.column("observation_id").to_pylist())}
    with open(target / "data" / "figures.csv", "wb") as stream:
        ids = figures.column("observation_id").to_pylist()
        for start in range(0, figures.num_rows, 8):
            index = np.arange(start, min(start + 8, figures.num_rows))
            original = np.array([position[ids[i]] for i in index])
            count = np.maximum(0, -(-(rows - original) // shipped))  # copies c with c * shipped + o < rows
            rows_of = np.repeat(index, count)
            copy = np.concatenate([np.arange(c) for c in count]) if len(count) else np.zeros(0, dtype=np.int64)
            part = figures.take(pa.array(rows_of))
            part = part.set_column(part.column_names.index("observation_id"), "observation_id", suffixed(part.column("observation_id").combine_chunks(), copy))
            at = part.column_names.index("discrepancy_ids")
            part = part.set_column(at, "discrepancy_ids", pc.if_else(pa.array(copy == 0), part.column(at).combine_chunks(), pa.scalar(None, pa.string())))
            write_rows(stream, part, header=start == 0)
    sizes = {}
    for resource in descriptor["resources"]:
        path = target / resource["path"]
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 24):
                digest.update(chunk)
        resource["bytes"], resource["hash"] = path.stat().st_size, f"sha256:{digest.hexdigest()}"
        sizes[resource["name"]] = resource["bytes"]
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    return sizes


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def validate(package: Path, budget: str, sources: Path | None, kill_above_mb: float) -> dict:
    """`jants validate` in its own process: exit code, seconds, peak RSS, and the report's last lines."""
    command = [sys.executable, "-m", "jants.cli", "validate", str(package), "--memory-budget", budget]
    if sources:
        command += ["--sources", str(sources)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = threading.Event()

    def watch():
        while process.poll() is None:
            if rss_mb(process.pid) > kill_above_mb:
                killed.set()
                process.kill()
                return
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    out, err = "", ""
    _, status, usage = os.wait4(process.pid, 0)
    if process.stdout:
        out = process.stdout.read()
    if process.stderr:
        err = process.stderr.read()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "stopped_by_watchdog": killed.is_set(),
        "report": out.strip().splitlines()[:5] + (out.strip().splitlines() or [""])[-1:] + err.strip().splitlines()[-2:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--memory-budget", default="512M", help="passed to jants validate --memory-budget")
    parser.add_argument("--sources", type=Path, default=None, help="also check provenance against these source texts")
    parser.add_argument("--kill-above", type=float, default=12_000, help="stop the validation past this RSS (MB)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the temporary package (default: the system's)")
    parser.add_argument("--keep", type=Path, default=None, help="write the package here and keep it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jants-scale-", dir=args.work)) if args.keep is None else args.keep
    try:
        started = time.perf_counter()
        sizes = grow(work / "package", args.rows)
        made = time.perf_counter() - started
        result = validate(work / "package", args.memory_budget, args.sources, args.kill_above)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    summary = {
        "rows": args.rows,
        "csv_gb": round(sum(sizes.values()) / 1e9, 2),
        "observations_csv_gb": round(sizes["observations"] / 1e9, 2),
        "figures_csv_gb": round(sizes.get("figures", 0) / 1e9, 2),
        "memory_budget": args.memory_budget,
        "generate_seconds": round(made, 1),
        **result,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, Python {platform.python_version()}",
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
