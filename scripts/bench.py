"""Benchmark jants against frictionless-py and pandera on synthetic packages.

    python scripts/bench.py                      # 10^3 .. 10^6 observations, 3 runs each
    python scripts/bench.py --sizes 1000 100000 --runs 3 --skip-frictionless-above 100000

For each size it writes a curated input with the shipped bodies, sources, metrics and
series and N synthetic observations (fixed seed, valid keys, realistic values), then
times in one run, each as a separate process so that peak memory (RSS) is its own:
`jants build`, `jants validate`, `frictionless validate`, a pandera schema built from
the same Table Schemas, and `import jants; jants.load()`. It reports medians, rows per
second and ratios in docs/performance.md and a log-log plot in docs/performance.svg, and
checks that a bad row at the end of the largest package is found with its row number.

pandera is not a dependency of jants: `pip install pandera matplotlib` first.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
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
                    "series_id": item["series_id"], "observation_date": day, "period_start": "",
                    "body_id": rng.choice(bodies), "attribution": rng.choice(["explicit", "implied"]), "speaker": "",
                    "value": str(value), "qualifier": rng.choice(QUALIFIERS), "value_upper": "",
                    "unit": units[item["metric_id"]], "source_line": "" if web else str(rng.randrange(1, 30)),
                    "source_section": "" if web else "Synthetic section", "evidence": f"a total of {value:,} reported",
                    "evidence_en": f"a total of {value:,} reported" if web and source["language"] != "en" else "",
                    "status": "reported", "status_date": "", "status_source_id": "",
                    "note": "" if rng.random() < 0.8 else "Synthetic note, for the benchmark.",
                }
                writer.writerow([row[c] for c in columns])


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
    return {"tool": label, "seconds": statistics.median(r[0] for r in results), "rss_mb": max(r[1] for r in results)}


def bench_size(size: int, runs: int, work: Path, with_frictionless: bool, frictionless_exe: str | None) -> list[dict]:
    project = work / f"n{size}"
    project.mkdir()
    write_curation(project / "curation", size)
    rows = []
    rows.append(measure("jants build", jants_command("build", "--curation", str(project / "curation"), "--output", str(project)), runs))
    first = {p.name: p.read_bytes() for p in (project / "data").iterdir()}
    timed(jants_command("build", "--curation", str(project / "curation"), "--output", str(project)))
    second = {p.name: p.read_bytes() for p in (project / "data").iterdir()}
    if first != second:
        raise SystemExit(f"bench: jants build at {size} rows is not byte-identical on a second run")
    rows.append(measure("jants validate", jants_command("validate", str(project)), runs))
    script = work / "pandera_check.py"
    script.write_text(PANDERA, encoding="utf-8")
    rows.append(measure("pandera", [sys.executable, str(script), str(project)], runs))
    if with_frictionless and frictionless_exe:
        rows.append(measure("frictionless validate", [frictionless_exe, "validate", "datapackage.json"], runs, cwd=project))
    load = f"import jants; jants.load({str(project)!r})"
    rows.append(measure("jants.load()", [sys.executable, "-c", load], runs))
    for row in rows:
        row.update(size=size, rows_per_second=size / row["seconds"])
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


def bad_rows_at_the_end(work: Path, size: int) -> list[str]:
    """Each bad cell, put in the last observation of the largest package, is found with its row."""
    project = work / f"n{size}"
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


def startup_times(runs: int) -> dict[str, float]:
    return {
        "jants --help": statistics.median(timed(jants_command("--help"))[0] for _ in range(runs)),
        "jants --version": statistics.median(timed(jants_command("--version"))[0] for _ in range(runs)),
        "jants.load() on the shipped package": statistics.median(
            timed([sys.executable, "-c", f"import jants; jants.load({str(PROJECT)!r})"])[0] for _ in range(runs)),
    }


# Report ------------------------------------------------------------------------------------


def write_report(results: list[dict], startup: dict[str, float], bad_row: list[str], runs: int, out: Path) -> None:
    sizes = sorted({r["size"] for r in results})
    tools = list(dict.fromkeys(r["tool"] for r in results))
    by = {(r["tool"], r["size"]): r for r in results}
    lines = ["# Performance", "",
             f"Measured by `python scripts/bench.py` on {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
             f"median of {runs} runs, peak RSS of the process. Rerun it to check these numbers on your machine.", "",
             "| tool | " + " | ".join(f"{s:,} rows" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for tool in tools:
        cells = []
        for size in sizes:
            row = by.get((tool, size))
            cells.append(f"{row['seconds']:.2f} s, {row['rss_mb']:.0f} MB, {row['rows_per_second']:,.0f} rows/s" if row else "-")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    largest = sizes[-1]
    jants_row = by[("jants validate", largest)]
    lines += ["", f"## At {largest:,} rows", ""]
    for other in ("frictionless validate", "pandera"):
        if (other, largest) in by:
            lines.append(f"- `jants validate` is {by[(other, largest)]['seconds'] / jants_row['seconds']:.1f}× faster than {other} "
                         f"(peak RSS {jants_row['rss_mb']:.0f} MB against {by[(other, largest)]['rss_mb']:.0f} MB).")
    if len(sizes) > 1:
        previous = sizes[-2]
        growth = (jants_row["seconds"] / largest) / (by[("jants validate", previous)]["seconds"] / previous)
        lines.append(f"- Time per row of `jants validate` at {largest:,} rows is {growth:.2f}× that at {previous:,} rows.")
    lines.append(f"- `jants build`: {by[('jants build', largest)]['seconds']:.2f} s, byte-identical on a second run.")
    lines.append("- Bad cells in the last row (CSV row = observations + 1, the header being row 1), each found with its row and field:")
    lines += [f"  - {found}" for found in bad_row]
    lines += ["", "## Start-up", ""] + [f"- {name}: {seconds:.2f} s" for name, seconds in startup.items()]
    lines += ["", "## Targets (issue: fast at a million rows)", "", "| target | measured | met |", "|---|---|---|"]
    for name, measured, met in targets(by, sizes, startup):
        lines.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")
    (out / "performance.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(results, tools, out / "performance.svg")


def targets(by: dict, sizes: list[int], startup: dict[str, float]) -> list[tuple[str, str, bool]]:
    """Each published target beside what this run measured."""
    largest = sizes[-1]
    jants_row = by[("jants validate", largest)]
    found = []
    if ("frictionless validate", largest) in by:
        ratio = by[("frictionless validate", largest)]["seconds"] / jants_row["seconds"]
        found.append((f"validate at {largest:,} rows ≥ 15× faster than frictionless", f"{ratio:.1f}×", ratio >= 15))
    if ("pandera", largest) in by:
        pandera = by[("pandera", largest)]
        ratio = pandera["seconds"] / jants_row["seconds"]
        found.append((f"validate at {largest:,} rows ≥ 3× faster than pandera", f"{ratio:.1f}×", ratio >= 3))
        found.append(("validate peak RSS below pandera's", f"{jants_row['rss_mb']:.0f} MB vs {pandera['rss_mb']:.0f} MB",
                      jants_row["rss_mb"] < pandera["rss_mb"]))
    if len(sizes) > 1:
        previous = sizes[-2]
        growth = (jants_row["seconds"] / largest) / (by[("jants validate", previous)]["seconds"] / previous)
        found.append((f"time per row at {largest:,} within 1.5× of that at {previous:,}", f"{growth:.2f}×", growth <= 1.5))
    found.append(("jants --help and --version under 0.3 s", f"{max(startup['jants --help'], startup['jants --version']):.2f} s",
                  max(startup["jants --help"], startup["jants --version"]) < 0.3))
    load = startup["jants.load() on the shipped package"]
    found.append(("import jants; jants.load() under 0.6 s", f"{load:.2f} s", load < 0.6))
    build = by[("jants build", largest)]["seconds"]
    found.append((f"jants build at {largest:,} rows under 10 s", f"{build:.1f} s", build < 10))
    return found


def plot(results: list[dict], tools: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "jants"
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for tool in tools:
        points = sorted((r["size"], r["seconds"]) for r in results if r["tool"] == tool)
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=tool)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("observations")
    axis.set_ylabel("seconds (median)")
    axis.set_title("Validating and loading a jants package")
    axis.legend()
    axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None, "Creator": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-frictionless-above", type=int, default=None, help="frictionless is slow: skip it above this size")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from docs/performance.json")
    parser.add_argument("--bad-rows-only", action="store_true", help="rerun only the bad cells in the last row of the largest package")
    args = parser.parse_args()
    if args.report_only or args.bad_rows_only:
        saved = json.loads((args.out / "performance.json").read_text(encoding="utf-8"))
        if args.bad_rows_only:
            with tempfile.TemporaryDirectory(prefix="jants-bench-") as temporary:
                work, size = Path(temporary), max(args.sizes)
                (work / f"n{size}").mkdir()
                write_curation(work / f"n{size}" / "curation", size)
                timed(jants_command("build", "--curation", str(work / f"n{size}" / "curation"), "--output", str(work / f"n{size}")))
                saved["bad_row"] = bad_rows_at_the_end(work, size)
            (args.out / "performance.json").write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
        write_report(saved["results"], saved["startup"], saved["bad_row"], saved["runs"], args.out)
        return
    exe = shutil.which("frictionless") or str(Path(sys.executable).parent / "frictionless")
    results = []
    with tempfile.TemporaryDirectory(prefix="jants-bench-") as temporary:
        work = Path(temporary)
        for size in args.sizes:
            with_frictionless = args.skip_frictionless_above is None or size <= args.skip_frictionless_above
            print(f"bench: {size:,} observations", file=sys.stderr)
            results += bench_size(size, args.runs, work, with_frictionless, exe if Path(exe).exists() else None)
        bad_row = bad_rows_at_the_end(work, max(args.sizes))
    startup = startup_times(args.runs)
    args.out.mkdir(exist_ok=True)
    (args.out / "performance.json").write_text(json.dumps({"results": results, "startup": startup, "bad_row": bad_row,
                                                           "runs": args.runs}, indent=2) + "\n", encoding="utf-8")
    write_report(results, startup, bad_row, args.runs, args.out)
    print((args.out / "performance.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
