"""Past memory (issue 19, item 3): a table whose file is larger than the memory budget is
read in batches of rows, and gives the same problems, with the same rows, fields and
messages, as when it is read whole.

Every package here is validated twice, once whole and once with a budget of a few KB
(so that even the shipped package is read a few rows at a time), and the two full lists
of problems must be equal. The whole reading is the plain one (every table read, one
after the other); the streamed one also scans files on threads while they are parsed and
compares a figures table as built by its bytes (validate.COMPARE_AS_BUILT).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from jants.cli import cli
from jants.limits import Limits, fixed, parse_bytes
from jants import validate
from jants.checks import view
from jants.tableschema import csvfile
from jants.tableschema.table import Batch, CompactColumns, SeenKeys
from jants.validate import validate_package

from conftest import derive_figures, read_rows, rehash, row_of, set_cell, without_parquet, write_rows
from corpus import CASES
from hostile import HOSTILE, SOURCES

TINY = "32K"  # batches of about 8 KB of text: 10 to 20 rows of observations


@pytest.fixture
def batches(monkeypatch) -> dict[str, int]:
    """The number of batches each streamed file was read in."""
    counts: dict[str, int] = {}
    original = csvfile._string_batches

    def counting(path, *args, **kwargs):
        counts[path.name] = 0
        for batch in original(path, *args, **kwargs):
            counts[path.name] += 1
            yield batch

    monkeypatch.setattr(csvfile, "_string_batches", counting)
    return counts


WHOLE: dict[str, tuple[list[dict], dict, str | None]] = {}  # a package's report read whole, by the name of its package (made the same way each time)


def both_ways(target, sources, monkeypatch, batches, env=None, budget=TINY, whole_as: str | None = None) -> list[dict]:
    """The problems of TARGET read whole and read in batches, asserted equal. With WHOLE_AS,
    the report read whole is validated once for every test of a package made the same way."""
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JANTS_MEMORY_BUDGET", raising=False)
    if whole_as is None or whole_as not in WHOLE:
        monkeypatch.setattr(validate, "COMPARE_AS_BUILT", False)
        report = validate_package(target, sources)
        monkeypatch.setattr(validate, "COMPARE_AS_BUILT", True)
        assert not batches, f"read in batches without a budget: {batches}"
        whole = ([asdict(p) for p in report.problems], report.stats, report.provenance)
        if whole_as is not None:
            WHOLE[whole_as] = whole
    whole = WHOLE[whole_as] if whole_as is not None else whole
    monkeypatch.setenv("JANTS_MEMORY_BUDGET", budget)
    monkeypatch.setattr(validate, "SCAN_ASIDE_BYTES", 0)  # and every CSV table's bytes scanned on a thread while it is parsed
    monkeypatch.setattr(view, "CHECK_SLICE_ROWS", 7)  # and the model checks read the observations 7 rows at a time
    streamed = validate_package(target, sources)
    assert [asdict(p) for p in streamed.problems] == whole[0]
    assert streamed.stats == whole[1]
    assert streamed.provenance == whole[2]
    return whole[0]


def test_shipped_package_streams_and_stays_valid(project, sources_dir, monkeypatch, batches):
    """At 4 KB every table is read a row or two at a time, the small ones too (the shipped
    package at 32 KB is validated by test_memory_budget_option_streams)."""
    assert both_ways(project, sources_dir, monkeypatch, batches, budget="4K") == []
    assert batches["observations.csv"] > 10, batches
    assert "figures.csv" not in batches, "figures.csv, as built, is compared by its bytes, not read"
    assert {"bodies.csv", "sources.csv", "metrics.csv", "series.csv", "discrepancies.csv"} <= set(batches), batches


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_package_streams_to_the_same_problems(package, scratch, case, monkeypatch, batches):
    if case.sources and not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES}")
    target = case.mutate(package, scratch) or package
    problems = both_ways(target, SOURCES if case.sources else None, monkeypatch, batches)
    assert any(p["code"] == case.code for p in problems)


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_package_streams_to_the_same_problems(package, scratch, case, monkeypatch, batches):
    if case.sources is not None and not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES}")
    target = case.mutate(package, scratch) or package
    both_ways(target, case.sources(scratch) if case.sources else None, monkeypatch, batches, case.env)


# Many rows of one kind, so that the problems of one check span batches and pass the cap --


def _edit_observations(package, change) -> None:
    path = package / "data" / "observations.csv"
    rows = read_rows(path)
    change(rows)
    write_rows(path, rows)


def duplicate_keys(package):
    """Rows 2 to 40 repeated at the end: primary key and unique errors in later batches."""
    without_parquet(package)
    _edit_observations(package, lambda rows: rows.extend([list(row) for row in rows[1:40]]))
    rehash(package)


def broken_foreign_keys(package):
    """A series id that no series has, on 30 rows spread over the table."""
    without_parquet(package)

    def change(rows):
        column = rows[0].index("series_id")
        for row in rows[5::19][:30]:
            row[column] = "no-such-series"

    _edit_observations(package, change)
    rehash(package)


def broken_evidence(package):
    """Evidence that is no longer on its line, and evidence too long, on many rows."""
    without_parquet(package)

    def change(rows):
        column = rows[0].index("evidence")
        for number, row in enumerate(rows[1:], 2):
            if number % 7 == 0:
                row[column] = row[column] + " and more words that the source does not have here at all"

    _edit_observations(package, change)
    derive_figures(package)


def edited_figures(package):
    """Cells of the derived figures table changed on 40 rows, and one row's value emptied."""

    def change(rows):
        column = rows[0].index("value")
        for row in rows[3::13][:40]:
            row[column] = "12345"
        rows[-1][column] = ""

    path = package / "data" / "figures.csv"
    rows = read_rows(path)
    change(rows)
    write_rows(path, rows)
    rehash(package)


def bad_cells(package):
    """Type and constraint errors on many rows, and a few dropped rows (wrong cell counts)."""
    without_parquet(package)

    def change(rows):
        date, value, qualifier = (rows[0].index(name) for name in ("observation_date", "value", "qualifier"))
        for row in rows[2::9]:
            row[date] = "2022-02-30"
        for row in rows[4::17]:
            row[value] = "many"
        for row in rows[6::23]:
            row[qualifier] = "roughly"
        rows[100].append("extra")
        rows[300] = rows[300][:3]
        rows.insert(450, [])

    _edit_observations(package, change)
    rehash(package)


def missing_keys(package):
    """Empty primary key cells in later batches."""
    without_parquet(package)
    for row in (250, 400, 600):
        set_cell(package, "observations", row, "observation_id", "", rehash_all=False)
    rehash(package)


# Each mutation at 32 KB (batches of 10 to 20 rows); those whose problems sit in rows that
# a batch of one or two rows splits differently (dropped rows, edited figures, empty keys)
# also at 4 KB, where every table streams. The report read whole is made once per mutation.
ACROSS = [(m, TINY) for m in (duplicate_keys, broken_foreign_keys, broken_evidence, edited_figures, bad_cells, missing_keys)]
ACROSS += [(m, "4K") for m in (edited_figures, bad_cells, missing_keys)]


@pytest.mark.parametrize(("mutate", "budget"), ACROSS, ids=[f"{m.__name__}-{b}" for m, b in ACROSS])
def test_problems_across_batches_are_the_same(package, sources_dir, mutate, monkeypatch, batches, budget):
    mutate(package)
    problems = both_ways(package, sources_dir, monkeypatch, batches, budget=budget, whole_as=mutate.__name__)
    assert problems
    assert batches["observations.csv"] > 10
    if mutate is duplicate_keys:  # the duplicates in later batches name their own rows
        rows = [p["row"] for p in problems if p["code"] == "primary-key-error" and p["row"]]
        shipped = len(read_rows(package / "data" / "observations.csv")) - 39
        assert rows[:20] == list(range(shipped + 1, shipped + 21))
        assert any(p["message"] == "... and 19 more rows" for p in problems if p["code"] == "primary-key-error")


def test_a_row_longer_than_the_streamed_blocks_is_read_whole(package, sources_dir, monkeypatch, batches):
    """A note of 1.5 MB, longer than the 1 MiB blocks a streamed table is parsed in: the
    same problems as read whole, none of them a parse error, the row in one batch."""
    assert csvfile.STREAM_BLOCK_SIZE < 1_500_000
    without_parquet(package)
    rows = read_rows(package / "data" / "observations.csv")
    rows[200][rows[0].index("note")] = "long " * 300_000
    write_rows(package / "data" / "observations.csv", rows)
    derive_figures(package)
    problems = both_ways(package, sources_dir, monkeypatch, batches, budget="256K")
    assert not any(p["code"] == "csv-parse-error" for p in problems), problems


# The pieces ---------------------------------------------------------------------------------


def test_seen_keys_confirm_a_hash_collision_against_the_real_values(monkeypatch):
    """Two different keys with one hash are not duplicates; the same key is."""
    from jants.tableschema import table as table_module

    monkeypatch.setattr(table_module, "_hashes", lambda keys, distinct=False: np.zeros(len(keys), dtype=np.uint64))
    rows = pa.array(["a", "b", "c", "a", "d", "b"])
    seen = SeenKeys(("id",))
    batch = Batch(0, {}, lambda key, positions: rows.take(pa.array(positions)))
    assert not seen.earlier(rows.slice(0, 3), np.ones(3, dtype=bool), batch).any()
    batch.offset = 3
    assert seen.earlier(rows.slice(3, 3), np.ones(3, dtype=bool), batch).tolist() == [True, False, True]


def test_memory_budget_is_read_from_the_environment_with_units(monkeypatch):
    assert parse_bytes("64K") == 65536 and parse_bytes("2G") == 2 << 30 and parse_bytes("1_000") == 1000
    assert parse_bytes("lots") is None and parse_bytes("0") is None
    monkeypatch.setenv("JANTS_MEMORY_BUDGET", "3M")
    assert Limits.from_env().memory_budget == 3 << 20
    monkeypatch.setenv("JANTS_MEMORY_BUDGET", "much")
    assert Limits.from_env().memory_budget > 1 << 20  # the default: a share of the machine's memory


def test_memory_budget_option_streams(project, monkeypatch, batches):
    monkeypatch.delenv("JANTS_MEMORY_BUDGET", raising=False)
    result = CliRunner().invoke(cli, ["validate", str(project), "--json", "--memory-budget", TINY])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"]
    assert batches["observations.csv"] > 10
    result = CliRunner().invoke(cli, ["validate", str(project), "--memory-budget", "lots"])
    assert result.exit_code == 2 and "--memory-budget" in result.output


def test_row_numbers_after_dropped_rows(package, monkeypatch, batches):
    """A blank line and rows of the wrong width early on: every later row keeps its number."""
    without_parquet(package)
    path = package / "data" / "bodies.csv"
    rows = read_rows(path)
    rows.insert(3, [])
    rows[6].append("x")
    rows[10][rows[0].index("body_id")] = rows[20][rows[0].index("body_id")]
    write_rows(path, rows)
    rehash(package)
    monkeypatch.setenv("JANTS_MEMORY_BUDGET", "1K")
    report = validate_package(package)
    kinds = {(p.code, p.row) for p in report.problems if p.file == "data/bodies.csv"}
    assert ("blank-row", 4) in kinds and ("extra-cell", 7) in kinds
    assert ("primary-key-error", 21) in kinds
    assert batches["bodies.csv"] > 3
    monkeypatch.delenv("JANTS_MEMORY_BUDGET")
    assert report.problems == validate_package(package).problems


def test_scale_script_grows_a_valid_package_that_streams_to_the_same_problems(project, tmp_path, monkeypatch, batches):
    """scripts/scale.py's package of real rows (here 3,000) is valid, read whole or in batches."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scale", project / "scripts" / "scale.py")
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    sizes = scale.grow(tmp_path / "grown", 3000)
    assert len(read_rows(tmp_path / "grown" / "data" / "observations.csv")) == 3001
    assert len(read_rows(tmp_path / "grown" / "data" / "figures.csv")) == 3001
    assert sizes["figures"] > sizes["observations"]
    given_out = []
    original = CompactColumns.__getitem__
    monkeypatch.setattr(CompactColumns, "__getitem__", lambda self, name: given_out.append(name) or original(self, name))
    problems = both_ways(tmp_path / "grown", None, monkeypatch, batches, budget="256K")
    assert not [p for p in problems if p["severity"] == "error"], problems[:3]
    assert batches["observations.csv"] > 20 and "figures.csv" not in batches, "the grown figures.csv is as jants build writes it: compared by its bytes"
    # The long text of a streamed table is never made whole (past 2 GB it could not be).
    assert given_out and not {"evidence", "evidence_en", "note"} & set(given_out)


def test_compact_columns_give_out_a_column_only_when_read():
    columns = CompactColumns()
    columns["kind"] = CompactColumns.joined([CompactColumns.chunk(pa.array(["a", "b", "a", None] * 4)), pa.array(["c", "a"])])
    assert isinstance(columns.stored("kind"), pa.DictionaryArray)
    assert "kind" in columns and "other" not in columns
    assert columns["kind"].to_pylist() == ["a", "b", "a", None] * 4 + ["c", "a"]
    assert columns.taken("kind", pa.array([17, 0])).to_pylist() == ["a", "a"]


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_ids_gathered_batch_by_batch_are_the_column_and_its_earlier_rows(spill):
    """A primary key of text is gathered into one column as the batches come: the same
    column as the batches joined, earlier rows read back for the key checks, empty cells
    kept, and a batch that is not plain text refused (it is then kept in chunks). Spilled
    to a temporary file, it reads the same, also after its pages were dropped."""
    from jants.limits import release_mapped
    from jants.tableschema.table import GrowingText

    ids = pa.array([f"obs-{n:05d}-é" if n % 7 else "" for n in range(30000)])
    gathered = GrowingText(spill=spill)
    for part in (ids.slice(0, 10000), pa.array([], pa.string()), ids.slice(10000, 1), ids.slice(10001)):
        assert gathered.append(part)
        assert gathered.take(np.array([0])).to_pylist() == [""]
    assert gathered.take(np.array([29999, 0, 10000])).to_pylist() == ["obs-29999-é", "", "obs-10000-é"]
    column = gathered.array()
    column.validate(full=True)
    assert column.equals(ids)
    release_mapped()
    assert column.equals(ids) and column.take(pa.array([1])).to_pylist() == ["obs-00001-é"]
    with_empty = GrowingText(spill=spill)
    for part in (pa.array(["a", "b"]), pa.array([None, "c"]), pa.array(["d"])):
        assert with_empty.append(part)
    assert with_empty.take(np.array([2, 3, 0])).to_pylist() == [None, "c", "a"]
    assert with_empty.array().to_pylist() == ["a", "b", None, "c", "d"]
    assert not GrowingText(spill=spill).append(pa.array(["x", "x"]).dictionary_encode())
    empty = GrowingText(spill=spill)
    assert empty.append(pa.array(["", None]))
    assert empty.array().to_pylist() == ["", None]


def test_encoded_chunks_are_joined_as_pyarrow_unifies_them():
    """The same distinct values in the same order, and the same positions, as pyarrow's
    unify_dictionaries and combine_chunks: 0 and -0, NaN and empty cells kept apart."""
    numbers = pa.array([0.0, -0.0, float("nan"), None, 1.5, 0.0] * 1400)
    others = pa.array([2.5, float("nan"), -0.0, None] * 1100)
    labels = pa.array([f"v{n % 300}" if n % 7 else None for n in range(9000)])
    for chunks in (
        [CompactColumns.chunk(numbers.slice(0, 4200)), CompactColumns.chunk(others), CompactColumns.chunk(numbers.slice(4200)), numbers.slice(0, 12)],
        [CompactColumns.chunk(labels.slice(0, 4500)), labels.slice(4500, 3).dictionary_encode(), CompactColumns.chunk(labels.slice(4503))],
        [pa.array([None, None], pa.string()).dictionary_encode(), pa.array(["a", None]).dictionary_encode()],
    ):
        encoded = [chunk.cast(pa.dictionary(pa.int32(), chunk.type.value_type)) if isinstance(chunk, pa.DictionaryArray) else chunk.dictionary_encode() for chunk in chunks]
        expected = pa.chunked_array(encoded).unify_dictionaries().combine_chunks()
        joined = CompactColumns.joined(chunks)
        joined.validate(full=True)
        assert joined.indices.cast(pa.int32()).equals(expected.indices)
        assert joined.dictionary.type == expected.dictionary.type
        if pa.types.is_floating(expected.dictionary.type):  # bit for bit (NaN is not equal to itself)
            assert joined.dictionary.to_numpy(zero_copy_only=False).tobytes() == expected.dictionary.to_numpy(zero_copy_only=False).tobytes()
        else:
            assert joined.dictionary.equals(expected.dictionary)
        assert joined.indices.type == (pa.int8() if len(expected.dictionary) <= 127 else pa.int16())


def test_ids_of_the_batches_are_joined_as_pyarrow_joins_them():
    """Text that does not repeat is copied chunk by chunk into one column: the same values
    as pyarrow's concatenation, from sliced, empty and non-ASCII chunks, the chunks let go of."""
    ids = pa.array([f"obs-{n:05d}-é" if n % 7 else "" for n in range(3000)])
    chunks = [ids.slice(0, 1000), pa.array([], pa.string()), ids.slice(1000, 1), ids.slice(1001, 1999), pa.array(["", ""])]
    expected = pa.concat_arrays(chunks)
    given = list(chunks)
    joined = CompactColumns.joined(given)
    joined.validate(full=True)
    assert joined.equals(expected) and given == []
    with_empty_cells = [pa.array(["a", None]), pa.array(["b"])]
    assert CompactColumns.joined(with_empty_cells).to_pylist() == ["a", None, "b"]


def test_compact_columns_keep_repeated_dates_and_numbers_in_one_or_two_bytes_a_row():
    """Positions as narrow as the distinct values allow, and the values given back bit for bit."""
    values = pa.array([0.0, -0.0, float("nan"), None, 1.5, 0.0] * 1400)
    kept = CompactColumns.joined([CompactColumns.chunk(values.slice(0, 4200)), CompactColumns.chunk(values.slice(4200)), values.slice(0, 12)])
    assert kept.type == pa.dictionary(pa.int8(), pa.float64())
    back = kept.dictionary.take(kept.indices).to_numpy(zero_copy_only=False)
    given = np.concatenate([values.to_numpy(zero_copy_only=False), values.slice(0, 12).to_numpy(zero_copy_only=False)])
    assert np.array_equal(np.signbit(back), np.signbit(given))
    assert np.array_equal(np.isnan(back), np.isnan(given))
    assert kept.null_count == 1402
    assert CompactColumns.chunk(values.slice(0, 12)).type == pa.float64()  # a short batch's numbers as they are
    many = pa.array([f"text {i % 1000}" for i in range(4000)])
    assert CompactColumns.chunk(many).type == pa.dictionary(pa.int16(), pa.string())
    dates = pa.array(np.arange(5000, dtype="int32") % 3).cast(pa.date32())
    assert CompactColumns.chunk(dates).type == pa.dictionary(pa.int8(), pa.date32())
    ids = pa.array([f"id-{i}" for i in range(40)])
    assert CompactColumns.chunk(ids) is ids  # unique values stay as they are


def test_seen_keys_merge_their_runs_as_a_stable_sort_of_both_would():
    """The runs merged in place hold what sorting their concatenation (stably) gave: the same
    hashes in order, and for equal hashes the earlier rows' positions first."""
    from jants.tableschema.table import _merged

    rng = np.random.default_rng(19)
    for _ in range(200):
        seen = SeenKeys(("id",))
        added_hashes, added_positions, offset = [], [], 0
        for _ in range(int(rng.integers(1, 12))):
            size = int(rng.integers(0, 40))
            hashes = rng.integers(0, 16, size).astype(np.uint64)  # few values: many equal hashes
            seen._add(hashes, np.arange(offset, offset + size))
            added_hashes.append(hashes)
            added_positions.append(np.arange(offset, offset + size))
            offset += size
        expected: list[tuple[np.ndarray, np.ndarray]] = []  # the runs as a stable sort of their concatenation made them
        for hashes, positions in zip(added_hashes, added_positions):
            order = np.argsort(hashes, kind="stable")
            expected.append((hashes[order], positions[order]))
            while len(expected) > 1 and len(expected[-2][0]) <= 2 * len(expected[-1][0]):
                both = np.concatenate([expected[-2][0], expected[-1][0]]), np.concatenate([expected[-2][1], expected[-1][1]])
                order = np.argsort(both[0], kind="stable")
                expected[-2:] = [(both[0][order], both[1][order])]
        assert len(seen.runs) == len(expected)
        for (hashes, positions), (want_hashes, want_positions) in zip(seen.runs, expected):
            assert positions.dtype == np.uint32
            assert hashes.tolist() == want_hashes.tolist() and positions.tolist() == want_positions.tolist()
    older = (np.array([1, 3, 3, 7], dtype=np.uint64), np.array([0, 1, 2, 3], dtype=np.uint32))
    newer = (np.array([0, 3, 9], dtype=np.uint64), np.array([4, 5, 6], dtype=np.uint32))
    hashes, positions = _merged(older, newer)
    assert hashes.tolist() == [0, 1, 3, 3, 3, 7, 9] and positions.tolist() == [4, 0, 1, 2, 5, 3, 6]


@pytest.mark.parametrize("budget", ["32K", None])
def test_the_observation_frame_gives_what_the_whole_frame_holds(project, budget):
    """The checks' lazy view of the observations gives the same columns, and the same rows
    for messages (values and types), as the frame of the whole table would."""
    from jants.checks.view import ObservationFrame, frame

    resource = next(r for r in json.loads((project / "datapackage.json").read_text(encoding="utf-8"))["resources"] if r["name"] == "observations")
    with fixed(parse_bytes(budget) if budget else None):
        table, _ = csvfile.read_typed_csv(project / resource["path"], resource, resource["path"])
    whole, lazy = frame(table, compact=True), ObservationFrame(table)
    assert len(lazy) == len(whole) and "_row" in lazy and "value" in lazy and "nope" not in lazy
    for name in whole.columns:
        assert lazy[name].reset_index(drop=True).equals(whole[name].reset_index(drop=True)), name
    for rows in (np.array([len(whole) - 1, 0, 5, 5, 17]), np.array([1, 2, 3])):  # the second: lines given in every row
        expected = whole.iloc[rows].reset_index(drop=True)
        given = lazy.iloc[rows]
        assert list(given.columns) == list(expected.columns)
        assert [str(t) for t in given.dtypes] == [str(t) for t in expected.dtypes]
        assert repr(given.to_dict("records")) == repr(expected.to_dict("records"))  # as messages show them (NaN is not equal to itself)


def test_links_of_compact_columns_are_those_of_whole_columns(project):
    """The observations' links to the small tables, made once per distinct value of the
    columns kept dictionary-encoded, equal those of the columns read whole."""
    from jants.checks.view import Links
    from jants.limits import fixed

    def tables(budget):
        descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
        found = {}
        with fixed(budget):
            for resource in descriptor["resources"]:
                if resource["name"] in ("observations", "series", "metrics", "sources"):
                    found[resource["name"]], _ = csvfile.read_typed_csv(project / resource["path"], resource, resource["path"])
        return found

    whole, batched = Links.of(tables(1 << 30)), Links.of(tables(parse_bytes("32K")))
    assert isinstance(tables(parse_bytes("32K"))["observations"].columns, CompactColumns)
    for name in ("series", "metric", "source", "date", "value", "counted"):
        ours, theirs = getattr(batched, name), getattr(whole, name)
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs, equal_nan=ours.dtype.kind == "f"), name
    assert batched.series.dtype == np.int32 and (batched.series >= 0).all()


@pytest.mark.parametrize("scan", [1 << 20, 64], ids=["one-pass", "in-parts"])
def test_foreign_keys_of_a_few_rows_into_a_long_table_are_found_as_before(monkeypatch, scan):
    """A short child (discrepancies naming observations) is looked up through a hash table of
    its own values, not of the long parent's, read a part at a time: the same rows are reported."""
    from jants.tableschema import arrays
    from jants.tableschema.keys import check_foreign_keys

    monkeypatch.setattr(arrays, "SCAN_ROWS", scan)
    from jants.tableschema.table import TypedTable

    parent = TypedTable("obs", "obs.csv", {"id": pa.array([f"o{i}" for i in range(1000)] + [None])}, 1001)
    child = TypedTable("disc", "disc.csv", {"obs": pa.array(["o5", None, "o5", "x1", "o999", "x2", "x1"])}, 7)
    schema = {"foreignKeys": [{"fields": ["obs"], "reference": {"resource": "obs", "fields": ["id"]}}]}
    problems = check_foreign_keys(schema, child, {"obs": parent, "disc": child})
    assert [(p.row, p.message) for p in problems] == [
        (5, "'x1' has no match in obs.id"),
        (7, "'x2' has no match in obs.id"),
        (8, "'x1' has no match in obs.id"),
    ]
    long_child = {"obs": pa.concat_arrays([child.columns["obs"], pa.array([f"o{i}" for i in range(300)])])}
    assert [p.row for p in check_foreign_keys(schema, TypedTable("disc", "disc.csv", long_child, 307), {"obs": parent})] == [5, 7, 8]  # the other way


def test_validation_uses_a_pool_that_gives_memory_back_and_restores_the_previous_one(project):
    """jemalloc (where pyarrow has it) during a validation, the caller's pool afterwards."""
    from jants.limits import lean_memory, release_memory

    before = pa.default_memory_pool().backend_name
    with lean_memory():
        inside = pa.default_memory_pool().backend_name
        release_memory()
    assert pa.default_memory_pool().backend_name == before
    assert inside in ("jemalloc", before)
    assert validate_package(project).valid and pa.default_memory_pool().backend_name == before


def test_a_key_hashes_the_same_whatever_the_keys_beside_it():
    """SeenKeys compares the hashes of keys of different batches: a key's hash must not
    depend on the longest key of its batch (ASCII ids are hashed padded to one width)."""
    from jants.tableschema.table import _hashes

    alone = _hashes(pa.array(["obs-1", "é-2", ""]))
    beside = _hashes(pa.array(["obs-1", "é-2", "", "x" * 40, "y" * 300]))
    assert alone.tolist() == beside[:3].tolist()
    assert _hashes(pa.array(["obs-1", "x" * 40]))[0] == alone[0]
    assert len(set(_hashes(pa.array(["a", "a\x00", "a\x00\x00", "b"])).tolist())) == 4


def _unrecorded(kind):
    def mutate(package):
        path = package / "data" / "discrepancies.csv"
        rows = read_rows(path)
        write_rows(path, [rows[0]] + [r for r in rows[1:] if r[rows[0].index("kind")] != kind])

    return mutate


def _same_day_conflict(package):
    rows = read_rows(package / "data" / "observations.csv")
    amnestied = [n for n, r in enumerate(rows[1:], 2) if r[rows[0].index("series_id")] == "persons_amnestied"]
    set_cell(package, "observations", amnestied[1], "value", "1096")


def _components_raised(package):
    rows = read_rows(package / "data" / "discrepancies.csv")
    total = rows[row_of(package, "discrepancies", "kind", "components_exceed_total") - 1][rows[0].index("observation_id")]
    set_cell(package, "observations", row_of(package, "observations", "observation_id", total), "value", "99999999")


GROUPED = [
    (_unrecorded("components_exceed_total"), "components-exceed-total"),
    (_unrecorded("cumulative_decrease"), "cumulative-decrease"),
    (_same_day_conflict, "conflicting-figures"),
    (_components_raised, "discrepancy-not-found"),
]


@pytest.mark.parametrize(("mutate", "code"), GROUPED, ids=[code for _, code in GROUPED])
def test_checks_that_group_rows_find_the_same_a_slice_at_a_time(package, monkeypatch, mutate, code):
    """Components against totals, cumulative series and same-day figures read the
    observations a slice of rows at a time (Links.slices): groups that span slices give
    the same problems, in the same order, as one slice of every row."""
    mutate(package)
    without_parquet(package)
    derive_figures(package)
    whole = [asdict(p) for p in validate_package(package).problems]
    assert code in [p["code"] for p in whole]
    monkeypatch.setattr(view, "CHECK_SLICE_ROWS", 5)
    assert [asdict(p) for p in validate_package(package).problems] == whole


@pytest.mark.parametrize("part", [37, 300])
def test_figure_order_a_part_at_a_time_is_the_order_of_one_sort(monkeypatch, part):
    """A long table is sorted by date, then its ids a part of whole days at a time (so that
    spilled ids are never all read at once): the same order as one stable sort by (date,
    id), empty dates last and repeated ids in their rows' order. Parts of 37 rows are
    shorter than a day (each day is then a part), of 300 longer (several days a part)."""
    from jants import flat

    rng = np.random.default_rng(5)
    days = rng.integers(19000, 19040, 5000)
    dates = pa.array(days, pa.int32(), mask=rng.random(5000) < 0.05).cast(pa.date32())
    ids = pa.array([f"o{n}" for n in rng.integers(0, 3000, 5000)])  # repeats: ties kept in row order
    whole = flat.figure_order({"observation_date": dates, "observation_id": ids})
    monkeypatch.setattr(flat, "ORDER_PART_ROWS", part)
    assert flat.figure_order({"observation_date": dates, "observation_id": ids}).to_pylist() == whole.to_pylist()
    compact = CompactColumns()
    compact["observation_date"], compact["observation_id"] = CompactColumns.chunk(dates), ids
    assert flat.figure_order(compact).to_pylist() == whole.to_pylist()


def test_a_long_column_is_scanned_a_part_at_a_time_to_the_same_result(monkeypatch):
    """Lookups over every id (recorded discrepancies, named observations, foreign keys into
    a long table) read a long column a part at a time, dropping spilled pages in between:
    the same answer as one pass, whatever the part's size."""
    from jants.checks.view import first_positions, isin
    from jants.tableschema import arrays

    ids = pa.array([f"o{n % 700}" if n % 11 else None for n in range(2000)])
    whole = (isin(ids, ["o5", "o699", "x"]), first_positions(["o699", "x", "o5", "o5"], ids))
    monkeypatch.setattr(arrays, "SCAN_ROWS", 64)
    parts = (isin(ids, ["o5", "o699", "x"]), first_positions(["o699", "x", "o5", "o5"], ids))
    assert whole[0].sum() > 0 and (whole[1] >= 0).sum() == 3
    assert np.array_equal(whole[0], parts[0]) and np.array_equal(whole[1], parts[1])


def test_no_room_for_the_spilled_ids_is_one_problem_naming_the_folder(project, monkeypatch):
    """A table read in batches keeps its ids in a temporary file: a temporary folder that is
    full or not writable is a one-line problem that says what to do, exit 1, no traceback."""
    import tempfile

    from jants.problems import PackageError
    from jants.tableschema.table import SpilledBytes

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    spilled = SpilledBytes()
    monkeypatch.setattr(spilled.file, "write", full)
    with pytest.raises(PackageError, match="No space left on device"):
        spilled.append(np.frombuffer(b"obs-1", dtype=np.uint8))
    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    result = CliRunner().invoke(cli, ["validate", "--memory-budget", "32K", str(project)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "spill-error" in line or "temporary folder" in line]
    assert len(lines) == 1 and "No space left on device" in lines[0] and "TMPDIR" in lines[0], result.output
