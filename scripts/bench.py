"""Benchmark jants against frictionless-py and pandera on grown packages of real and synthetic rows.

    python scripts/bench.py                      # 10^4 .. 10^6 observations, both shapes, 3 runs each
    python scripts/bench.py --sizes 10000 100000 --shapes real --runs 1 --skip-frictionless-above 100000

For each shape and size it writes a curated input with the shipped bodies, sources,
metrics and series and N observations: "real" repeats the shipped observations (every
column as shipped, evidence in its own language, ids renumbered), "synthetic" generates
short clean rows (fixed seed, valid keys). Then it times in one run, each as a separate
process so that peak memory (max RSS) is its own: `jants build`, `jants validate`,
`frictionless validate`, a pandera schema built from the same Table Schemas, and
`import jants; jants.load()`. It reports medians with the spread over the runs, the
machine, and the ratios side by side in docs/performance.md (keeping the start-up section
between `<!-- startup -->` and other such markers, which other scripts write) and a log-log plot in
docs/performance.svg, and checks that bad cells in the last row of the largest synthetic
package are found with their row number.

pandera is not a dependency of jants: `pip install pandera matplotlib` first.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SEED = 20220105
QUALIFIERS = ["exact"] * 90 + ["more_than"] * 4 + ["approximately"] * 3 + ["at_least"] * 2 + ["almost"]


# Synthetic input --------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_curation(target: Path, size: int) -> None:
    """The shipped curation with `size` synthetic observations instead of the real ones."""
    shutil.copytree(PROJECT / "curation", target, ignore=shutil.ignore_patterns("observations", "discrepancies.csv"))
    with open(PROJECT / "curation" / "discrepancies.csv", encoding="utf-8") as stream:
        header = stream.readline()
    (target / "discrepancies.csv").write_text(header, encoding="utf-8")
    sources = read_csv(PROJECT / "curation" / "sources.csv")
    series = read_csv(PROJECT / "curation" / "series.csv")
    units = {m["metric_id"]: m["unit"] for m in read_csv(PROJECT / "curation" / "metrics.csv")}
    bodies = [b["body_id"] for b in read_csv(PROJECT / "curation" / "bodies.csv")]
    with open(PROJECT / "curation" / "observations" / f"{sources[0]['source_id']}.csv", encoding="utf-8") as stream:
        columns = next(csv.reader(stream))
    rng = random.Random(SEED)
    (target / "observations").mkdir()
    share = -(-size // len(sources))
    for position, source in enumerate(sources):
        count = min(share, size - position * share)
        if count <= 0:
            break
        day = source["source_date"]
        web = source["source_kind"] == "web_report"  # no lines; the evidence shows the figure
        with open(target / "observations" / f"{source['source_id']}.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(columns)
            for number in range(1, count + 1):
                item = series[rng.randrange(len(series))]
                value = rng.choice([rng.randrange(1, 100), rng.randrange(100, 10_000), rng.randrange(10_000, 10_000_000)])
                row = {
                    "observation_id": f"{source['source_id']}-{number:07d}",
                    "series_id": item["series_id"], "observation_date": day, "date_precision": "", "period_start": "",
                    "body_id": rng.choice(bodies), "attribution": rng.choice(["explicit", "implied"]), "speaker": "",
                    "value": str(value), "qualifier": rng.choice(QUALIFIERS), "value_upper": "",
                    "unit": units[item["metric_id"]], "source_line": "" if web else str(rng.randrange(1, 30)),
                    "source_section": "" if web else "Synthetic section", "evidence": f"a total of {value:,} reported",
                    "evidence_en": f"a total of {value:,} reported" if web and source["language"] != "en" else "",
                    "status": "reported", "status_date": "", "status_source_id": "",
                    "note": "" if rng.random() < 0.8 else "Synthetic note, for the benchmark.",
                }
                writer.writerow([row[c] for c in columns])


def write_real_curation(target: Path, size: int) -> None:
    """The shipped curation with its own observations repeated to `size` rows.

    Every column is as shipped (series, dates, bodies, values, qualifiers, evidence in its
    own language, notes); only the ids are renumbered: the first copy keeps the shipped
    ids (so that the shipped discrepancies still name their observations), each later copy
    adds `-r<copy>` to them. The rows of each source stay in that source's file.
    """
    shutil.copytree(PROJECT / "curation", target)
    files = sorted((target / "observations").glob("*.csv"))
    shipped = {path: read_csv(path) for path in files}
    total = sum(len(rows) for rows in shipped.values())
    copies = -(-size // total)
    left = size
    for copy in range(copies):
        for path in files:
            rows = shipped[path][: max(0, left)]
            left -= len(rows)
            if not rows and copy:
                continue
            with open(path, encoding="utf-8", newline="") as stream:
                columns = next(csv.reader(stream))
            with open(path, "w" if copy == 0 else "a", encoding="utf-8", newline="") as stream:
                writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
                if copy == 0:
                    writer.writeheader()
                for row in rows:
                    writer.writerow({**row, "observation_id": row["observation_id"] + (f"-r{copy:05d}" if copy else "")})
    if size < total:  # fewer rows than shipped: the discrepancies may name dropped observations
        with open(PROJECT / "curation" / "discrepancies.csv", encoding="utf-8") as stream:
            (target / "discrepancies.csv").write_text(stream.readline(), encoding="utf-8")


SHAPES = {"real": write_real_curation, "synthetic": write_curation}


# Tools, each timed in its own process --------------------------------------------------------

PANDERA = r'''
import json, sys
from pathlib import Path
import pandas as pd
import pandera.pandas as pa

root = Path(sys.argv[1])
descriptor = json.loads((root / "datapackage.json").read_text())
DTYPES = {"string": str, "integer": "Int64", "number": float, "date": "datetime64[ns]", "boolean": bool}
frames, schemas = {}, {}
for resource in descriptor["resources"]:
    if resource.get("copyOf") or "schema" not in resource:
        continue
    fields = resource["schema"]["fields"]
    frame = pd.read_csv(root / resource["path"], dtype=str, keep_default_na=False, na_values=[""])
    frames[resource["name"]] = frame
    columns = {}
    for f in fields:
        c = f.get("constraints", {})
        checks = []
        if "enum" in c: checks.append(pa.Check.isin(c["enum"]))
        if "minimum" in c: checks.append(pa.Check.ge(c["minimum"]))
        if "pattern" in c: checks.append(pa.Check.str_matches(c["pattern"]))
        columns[f["name"]] = pa.Column(DTYPES.get(f.get("type", "string"), str), checks=checks, coerce=True,
                                       nullable=not c.get("required", False), unique=bool(c.get("unique")))
    key = resource["schema"].get("primaryKey")
    schemas[resource["name"]] = (pa.DataFrameSchema(columns, unique=key if isinstance(key, list) and len(key) > 1 else None), resource["schema"])
errors = 0
for name, (schema, table_schema) in schemas.items():
    try:
        schema.validate(frames[name], lazy=True)
    except pa.errors.SchemaErrors as error:
        errors += len(error.failure_cases)
    for fk in table_schema.get("foreignKeys", []):
        target = frames[fk["reference"]["resource"] or name][fk["reference"]["fields"][0]]
        column = frames[name][fk["fields"][0]].dropna()
        errors += int((~column.isin(target)).sum())
print(errors)
sys.exit(1 if errors else 0)
'''


def jants_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jants.cli", *args]


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of each file, read in chunks: this process must stay small, because a child
    started by vfork reports the parent's peak memory as its own when that is larger."""
    found = {}
    for path in sorted(folder.iterdir()):
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        found[path.name] = digest.hexdigest()
    return found


def timed(command: list[str], cwd: Path | None = None, expect: int | None = 0) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if expect is not None and code != expect:
        message = process.stderr.read().decode()[-400:] if process.stderr else ""
        raise SystemExit(f"bench: {' '.join(command[:4])} exited {code}: {message}")
    return elapsed, usage.ru_maxrss / 1024


def measure(label: str, command: list[str], runs: int, cwd: Path | None = None) -> dict:
    results = [timed(command, cwd) for _ in range(runs)]
    seconds = [r[0] for r in results]
    return {"tool": label, "seconds": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "rss_mb": max(r[1] for r in results)}


def bench_size(shape: str, size: int, runs: int, work: Path, with_frictionless: bool, frictionless_exe: str | None) -> list[dict]:
    """Every tool on one grown package, each in its own process, `runs` times."""
    project = work / f"{shape}-n{size}"
    project.mkdir()
    SHAPES[shape](project / "curation", size)
    rows = []
    rows.append(measure("jants build", jants_command("build", "--curation", str(project / "curation"), "--output", str(project)), runs))
    first = digests(project / "data")
    timed(jants_command("build", "--curation", str(project / "curation"), "--output", str(project)))
    if digests(project / "data") != first:
        raise SystemExit(f"bench: jants build at {size} rows is not byte-identical on a second run")
    rows.append(measure("jants validate", jants_command("validate", str(project)), runs))
    script = work / "pandera_check.py"
    script.write_text(PANDERA, encoding="utf-8")
    rows.append(measure("pandera", [sys.executable, str(script), str(project)], runs))
    if with_frictionless and frictionless_exe:
        rows.append(measure("frictionless validate", [frictionless_exe, "validate", "datapackage.json"], runs, cwd=project))
    load = f"import jants; jants.load({str(project)!r})"
    rows.append(measure("jants.load()", [sys.executable, "-c", load], runs))
    csv_bytes = (project / "data" / "observations.csv").stat().st_size
    for row in rows:
        row.update(shape=shape, size=size, rows_per_second=size / row["seconds"], csv_mb=csv_bytes / 1e6)
    return rows


LAST_ROW_CASES = [  # the cell cases of tests/corpus.py, put in the last row of the largest package
    ("value", "-5", "constraint-error"),
    ("value", "many", "type-error"),
    ("observation_date", "2022-02-30", "type-error"),
    ("series_id", "no_such_series", "foreign-key-error"),
    ("qualifier", "roughly", "constraint-error"),
    ("attribution", "rumoured", "constraint-error"),
    ("evidence", "", "constraint-error"),
    ("observation_id", "FIRST_ID", "primary-key-error"),
    ("unit", "parsecs", "unit-error"),
    ("evidence", " ".join(["word"] * 13), "evidence-error"),
    ("evidence", "a total of many reported", "evidence-error"),
]


def bad_rows_at_the_end(project: Path, size: int) -> list[str]:
    """Each bad cell, put in the last observation of a grown package, is found with its row."""
    csv_path = project / "data" / "observations.csv"
    original = csv_path.read_bytes()
    descriptor_path = project / "datapackage.json"
    original_descriptor = descriptor_path.read_bytes()
    lines = original.rstrip(b"\n").split(b"\n")
    header = next(csv.reader([lines[0].decode()]))
    last_cells = next(csv.reader([lines[-1].decode()]))
    first_id = next(csv.reader([lines[1].decode()]))[0]
    row = len(lines)
    web = last_cells[header.index("source_line")] == ""  # the figure-in-evidence check is for web reports only
    found_all = []
    try:
        for field, bad, code in LAST_ROW_CASES:
            if bad == "a total of many reported" and not web:
                continue
            cells = list(last_cells)
            bad = first_id if bad == "FIRST_ID" else bad  # the id of the first row, again
            cells[header.index(field)] = bad
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(cells)
            data = b"\n".join(lines[:-1]) + b"\n" + buffer.getvalue().encode()
            csv_path.write_bytes(data)
            descriptor = json.loads(original_descriptor)
            descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "observations-parquet"]
            resource = next(r for r in descriptor["resources"] if r["name"] == "observations")
            resource["bytes"], resource["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
            descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
            started = time.perf_counter()
            result = subprocess.run(jants_command("validate", str(project), "--json"), capture_output=True, text=True)
            seconds = time.perf_counter() - started
            report = json.loads(result.stdout)
            hits = [e for e in report["errors"] if e["file"] == "data/observations.csv" and e["row"] == row and field in (e["field"] or "")]
            if result.returncode != 1 or not any(e["code"] == code for e in hits):
                raise SystemExit(f"bench: {field}={bad!r} in row {row:,} of {size:,} rows was not reported as {code}")
            shown = bad if len(bad) <= 30 else bad[:27] + "..."
            found_all.append(f"`{field}` = {shown!r}: `{code}` at row {row:,} ({seconds:.1f} s)")
    finally:
        csv_path.write_bytes(original)
        descriptor_path.write_bytes(original_descriptor)
    return found_all


# Report ------------------------------------------------------------------------------------

# sections written by other scripts or by hand between <!-- name --> and <!-- /name -->
# (start-up: scripts/startup.py; past memory: scripts/scale.py runs): kept as they are
KEPT = re.compile(r"<!-- ([a-z-]+) -->.*?<!-- /\1 -->\n?", re.S)
SHAPE_TITLES = {
    "real": "Real rows: the shipped observations repeated (every column as shipped, ids renumbered)",
    "synthetic": "Synthetic rows: short generated evidence, random series and values",
}


def machine() -> str:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory_gb = int(memory.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        memory_gb = 0
    return f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB memory, {platform.system()} {platform.release()}, Python {sys.version.split()[0]}"


def cell(row: dict | None) -> str:
    if row is None:
        return "-"
    return f"{row['seconds']:.2f} s ({row['min']:.2f}–{row['max']:.2f}), {row['rss_mb']:.0f} MB"


def write_report(saved: dict, out: Path) -> None:
    results, bad_row, runs = saved["results"], saved["bad_row"], saved["runs"]
    by = {(r["shape"], r["tool"], r["size"]): r for r in results}
    shapes = [shape for shape in SHAPES if any(r["shape"] == shape for r in results)]
    lines = ["# Performance", "",
             f"Measured by `python scripts/bench.py` on {saved['machine']}. Each tool runs in its own process; a cell gives the "
             f"median wall time of {runs} runs, the fastest and slowest run in brackets, and the peak RSS (max over the runs). "
             "Rerun the script to check these numbers on your machine.", ""]
    for shape in shapes:
        sizes = sorted({r["size"] for r in results if r["shape"] == shape})
        tools = list(dict.fromkeys(r["tool"] for r in results if r["shape"] == shape))
        megabytes = {r["size"]: r["csv_mb"] for r in results if r["shape"] == shape}
        lines += [f"## {SHAPE_TITLES[shape]}", "",
                  "| tool | " + " | ".join(f"{s:,} rows ({megabytes[s]:.0f} MB CSV)" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
        lines += [f"| {tool} | " + " | ".join(cell(by.get((shape, tool, size))) for size in sizes) + " |" for tool in tools]
        lines.append("")
    largest = max(r["size"] for r in results)
    lines += [f"## Side by side at {largest:,} rows", "", "| | " + " | ".join(shapes) + " |", "|---|" + "---|" * len(shapes)]
    for other in ("frictionless validate", "pandera"):
        ratios = []
        for shape in shapes:
            mine, theirs = by.get((shape, "jants validate", largest)), by.get((shape, other, largest))
            ratios.append(f"{theirs['seconds'] / mine['seconds']:.1f}× faster" if mine and theirs else "-")
        lines.append(f"| `jants validate` against {other} | " + " | ".join(ratios) + " |")
    memory = []
    for shape in shapes:
        mine, pandera = by.get((shape, "jants validate", largest)), by.get((shape, "pandera", largest))
        memory.append(f"{mine['rss_mb']:.0f} MB against {pandera['rss_mb']:.0f} MB ({mine['rss_mb'] / pandera['rss_mb']:.2f})" if mine and pandera else "-")
    lines.append("| peak RSS of `jants validate` against pandera's | " + " | ".join(memory) + " |")
    lines += ["", "pandera checks what it can express of the same Table Schemas (types, required, enum, minimum, pattern, unique, "
              "primary and foreign keys); frictionless-py checks the Table Schemas whole; `jants validate` checks those and the "
              "jants model's own rules besides.", ""]
    if bad_row:
        lines.append(f"Bad cells put in the last row of the {largest:,}-row synthetic package (CSV row = observations + 1, the header being row 1), "
                     "each found with its row and field:")
        lines += [f"- {found}" for found in bad_row]
        lines.append("")
    lines += ["## Targets (issue 19: fast on real rows)", "", "| target | measured | met |", "|---|---|---|"]
    for name, measured, met in targets(by, results):
        lines.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")
    lines += ["", *NOTES]
    text = "\n".join(lines) + "\n"
    previous = out / "performance.md"
    for kept in KEPT.finditer(previous.read_text(encoding="utf-8")) if previous.exists() else []:
        text += "\n" + kept.group(0).rstrip("\n") + "\n"
    (out / "performance.md").write_text(text, encoding="utf-8")
    plot(results, out / "performance.svg")


NOTES = """## Where the time and memory go

The machine these numbers come from has 2 cores, often shared with other work, so the
spread between runs can be wide; the ratios of one run are what to compare. How
`jants validate` spends them on a large package:

- **One read of the bytes, beside the parsing.** A CSV file larger than 1 MiB is read
  once on a thread of its own for its size, its SHA-256 and the text checks (NUL bytes,
  UTF-8 through Arrow, line lengths through a newline in every stretch of half the
  longest line), while pyarrow parses it; only a file those quick checks doubt is read
  again, by the exact check, to locate the problem.
- **Parsing ahead of the typing.** A table larger than the memory budget is parsed in
  1 MiB blocks on a thread of its own, a few blocks ahead of the batch being typed; the
  columns of a batch are typed and checked on several threads.
- **The derived table by its bytes.** A figures table as `jants build` writes it (two
  thirds of the CSV of a grown package) is not parsed: the bytes the build writes from
  the other tables are made, slices of 16,384 rows on two threads, and compared with the
  file, while the other jants checks run; its Parquet copy is compared with the same
  join meanwhile, column by column through the distinct values. A file that differs is
  read as a table after all, to say which cell differs.
- **Once per distinct value.** Dates, vocabularies, evidence strings and repeated text
  are typed and checked once per distinct value, and kept as those values with a 1- or
  2-byte position a row; the figure in its evidence is checked once per distinct
  (evidence, value, upper value).
- **Keys through hashes.** Primary keys and unique fields are checked batch by batch
  against 64-bit hashes of earlier keys (ids hashed 8 bytes at a time in numpy; sorted
  runs, searched in order), a repeated hash confirmed against the earlier row's value.
- What stays serial: the imports and the descriptor's check against the profiles
  (frictionless-py), about 0.6 s before the first table is read.

pandera reads each file whole with pandas, single-threaded; frictionless-py checks row
by row in Python."""
NOTES = NOTES.splitlines()


def targets(by: dict, results: list[dict]) -> list[tuple[str, str, bool]]:
    """Each published target beside what this run measured, on real rows."""
    sizes = sorted({r["size"] for r in results if r["shape"] == "real"})
    if not sizes:
        return []
    largest = sizes[-1]
    mine = by[("real", "jants validate", largest)]
    found = []
    friction = by.get(("real", "frictionless validate", largest))
    if friction:
        ratio = friction["seconds"] / mine["seconds"]
        found.append((f"validate {largest:,} real rows ≥ 25× faster than frictionless-py", f"{ratio:.1f}×", ratio >= 25))
    pandera = by.get(("real", "pandera", largest))
    if pandera:
        ratio = pandera["seconds"] / mine["seconds"]
        found.append((f"validate {largest:,} real rows ≥ 4× faster than pandera", f"{ratio:.1f}×", ratio >= 4))
        found.append(("peak RSS at most half of pandera's", f"{mine['rss_mb']:.0f} MB vs {pandera['rss_mb']:.0f} MB",
                      mine["rss_mb"] <= pandera["rss_mb"] / 2))
    if sizes[0] < largest:
        smallest = sizes[0]
        growth = (mine["seconds"] / largest) / (by[("real", "jants validate", smallest)]["seconds"] / smallest)
        found.append((f"linear: time per row at {largest:,} at most that at {smallest:,}", f"{growth:.2f}×", growth <= 1.0))
    return found


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "jants"
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for shape, style in (("real", "-"), ("synthetic", ":")):
        for tool in dict.fromkeys(r["tool"] for r in results if r["shape"] == shape):
            points = sorted((r["size"], r["seconds"]) for r in results if r["tool"] == tool and r["shape"] == shape)
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=f"{tool} ({shape})")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("observations")
    axis.set_ylabel("seconds (median)")
    axis.set_title("Validating and loading a jants package")
    axis.legend(fontsize=7)
    axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None, "Creator": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-frictionless-above", type=int, default=None, help="frictionless is slow: skip it above this size")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from docs/performance.json")
    parser.add_argument("--no-bad-rows", action="store_true", help="skip the bad cells put in the last row")
    args = parser.parse_args()
    if args.report_only:
        write_report(json.loads((args.out / "performance.json").read_text(encoding="utf-8")), args.out)
        return
    exe = shutil.which("frictionless") or str(Path(sys.executable).parent / "frictionless")
    results, bad_row = [], []
    with tempfile.TemporaryDirectory(prefix="jants-bench-") as temporary:
        work = Path(temporary)
        for shape in args.shapes:
            for size in args.sizes:
                with_frictionless = args.skip_frictionless_above is None or size <= args.skip_frictionless_above
                print(f"bench: {size:,} {shape} observations", file=sys.stderr)
                results += bench_size(shape, size, args.runs, work, with_frictionless, exe if Path(exe).exists() else None)
                project = work / f"{shape}-n{size}"
                if shape == "synthetic" and size == max(args.sizes) and not args.no_bad_rows:
                    bad_row = bad_rows_at_the_end(project, size)
                shutil.rmtree(project)
    saved = {"machine": machine(), "runs": args.runs, "results": results, "bad_row": bad_row}
    args.out.mkdir(exist_ok=True)
    (args.out / "performance.json").write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    write_report(saved, args.out)
    print((args.out / "performance.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
