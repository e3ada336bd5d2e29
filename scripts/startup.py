"""Time the start-up of the lookup commands on the shipped package.

    python scripts/startup.py              # 9 rounds; rewrites the start-up section of docs/performance.md
    python scripts/startup.py --runs 15 --no-write

Each command runs as its own process, from the project folder (so it reads the shipped
package), with its output piped; `show` also writes into a pseudo-terminal, where it
draws its table with rich. The commands run in rounds, one of each per round, so that a
busy machine slows them all alike, and every time is also given as a ratio to
`python -c "import pyarrow"` measured in the same rounds. The table goes into
docs/performance.md between the markers <!-- startup --> and <!-- /startup --> (added at
the end of the file if missing); the rest of that file belongs to scripts/bench.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PERFORMANCE = PROJECT / "docs" / "performance.md"
BEGIN, END = "<!-- startup -->", "<!-- /startup -->"
REFERENCE = "import pyarrow"


def jants_exe() -> str:
    beside = Path(sys.executable).parent / "jants"
    found = str(beside) if beside.exists() else shutil.which("jants")
    if not found:
        sys.exit("the jants console script is not installed (pip install -e .)")
    return found


def commands() -> list[tuple[str, list[str], bool, float | None]]:
    """(name, argv, in a terminal, target in seconds)."""
    jants = jants_exe()
    return [
        (f'python -c "{REFERENCE}"', [sys.executable, "-c", REFERENCE], False, None),
        ("jants --help", [jants, "--help"], False, 0.2),
        ("jants info", [jants, "info"], False, 0.3),
        ("jants list", [jants, "list"], False, 0.3),
        ("jants show persons_killed", [jants, "show", "persons_killed"], False, 0.3),
        ("jants show persons_killed (terminal)", [jants, "show", "persons_killed"], True, 0.3),
        ("jants discrepancies", [jants, "discrepancies"], False, 0.3),
        ('python -c "import jants; jants.load()"', [sys.executable, "-c", "import jants; jants.load()"], False, 0.5),
    ]


def run_once(argv: list[str], terminal: bool) -> float:
    """Seconds from starting the process to its exit."""
    if not terminal:
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if done.returncode:
            sys.exit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
        return elapsed
    import pty

    master, replica = pty.openpty()
    environment = dict(os.environ, COLUMNS="120", LINES="50", TERM="dumb")
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=PROJECT, stdout=replica, stderr=replica, env=environment)
    os.close(replica)
    while True:  # the terminal is read as it is written, or the process would block on a full buffer
        try:
            if not os.read(master, 1 << 16):
                break
        except OSError:
            break
    code = process.wait()
    elapsed = time.perf_counter() - started
    os.close(master)
    if code:
        sys.exit(f"{' '.join(argv)} failed in a terminal")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    cases = commands()
    for _, argv, terminal, _ in cases:  # warm the file cache once
        run_once(argv, terminal)
    times: dict[str, list[float]] = {name: [] for name, *_ in cases}
    for _ in range(runs):
        for name, argv, terminal, _ in cases:
            times[name].append(run_once(argv, terminal))
    return times


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f} at the start"
    )


def section(times: dict[str, list[float]], runs: int) -> str:
    reference = statistics.median(times[f'python -c "{REFERENCE}"'])
    lines = [
        BEGIN,
        "## Start-up of the lookup commands",
        "",
        f"`python scripts/startup.py`: {runs} rounds, each command once per round as its own process, from the",
        f"project folder on the shipped package, output piped (and `show` also into a terminal); {machine()}.",
        f'Ratios are to `python -c "{REFERENCE}"` in the same rounds ({reference:.3f} s here). `info`, `list`, `show`',
        "and `discrepancies` read the CSV tables with the csv module (`jants.explore.rows`) and import neither",
        "pandas nor pyarrow; `jants.load()` builds pandas DataFrames, and importing pandas is most of its time.",
        "",
        "| command | median (s) | spread: min–max (s) | × import pyarrow | target (s) | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, _, _, target in commands():
        values = times[name]
        median = statistics.median(values)
        met = "" if target is None else ("yes" if median <= target else "no")
        lines.append(
            f"| `{name}` | {median:.3f} | {min(values):.3f}–{max(values):.3f} | {median / reference:.2f} | {'' if target is None else f'{target:.1f}'} | {met} |"
        )
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace the text between the markers, or add it at the end of the file."""
    current = PERFORMANCE.read_text(encoding="utf-8") if PERFORMANCE.exists() else ""
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + ("\n\n" if current else "") + text
    temporary = PERFORMANCE.with_suffix(".md.tmp")
    temporary.write_text(updated, encoding="utf-8")
    temporary.replace(PERFORMANCE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="rounds of every command (default 9)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/performance.md alone")
    options = parser.parse_args()
    text = section(measure(options.runs), options.runs)
    print(text, end="")
    if not options.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
