"""How the cost of `jants validate` grows with the number of resources.

Writes packages of N small CSV resources (each with a typed schema, a primary key and a
foreign key into the first one) and times the validation of each, so that a cost per
resource that grows with unrelated state (a per-file rebuild of shared tables, a search
over all resources) shows as a time per resource that rises with N.

    python scripts/many_resources.py             # 1,000 / 5,000 / 10,000 resources
    python scripts/many_resources.py 20000       # other sizes (JANTS_MAX_RESOURCES above 10,000)

Target (docs/security.md): 10,000 resources in under 10 s on 2 cores.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jants.validate import validate_package  # noqa: E402

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "label", "type": "string", "constraints": {"pattern": "[a-z]+"}},
        {"name": "when", "type": "date"},
        {"name": "value", "type": "number", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["id"],
}


def write_package(root: Path, count: int) -> None:
    data = root / "data"
    data.mkdir(parents=True)
    resources = []
    for number in range(count):
        name = f"t{number:06d}"
        (data / f"{name}.csv").write_text("id,label,when,value\n1,abc,2022-01-05,1.5\n2,def,2022-01-06,2\n", encoding="utf-8")
        schema = dict(SCHEMA)
        if number:
            schema["foreignKeys"] = [{"fields": ["id"], "reference": {"resource": "t000000", "fields": ["id"]}}]
        resources.append({"name": name, "path": f"data/{name}.csv", "format": "csv", "profile": "tabular-data-resource", "schema": schema})
    (root / "datapackage.json").write_text(json.dumps({"name": "many", "resources": resources}), encoding="utf-8")


def measure(count: int) -> float:
    with tempfile.TemporaryDirectory(prefix="jants-many-") as temporary:
        root = Path(temporary)
        write_package(root, count)
        started = time.perf_counter()
        report = validate_package(root)
        elapsed = time.perf_counter() - started
    if not report.valid:
        raise SystemExit(report.to_text()[:2000])
    return elapsed


def main(sizes: list[int]) -> None:
    print(f"{'resources':>10} {'seconds':>8} {'ms/resource':>12}")
    for count in sizes:
        elapsed = measure(count)
        print(f"{count:>10} {elapsed:>8.2f} {1000 * elapsed / count:>12.2f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 5_000, 10_000])
