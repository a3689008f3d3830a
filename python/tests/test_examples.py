"""Every example in python/examples, run as a user runs it (this environment's Python, FERRY_HOME pointing at
`ferry dev`), with what it printed and what it left on the drive checked."""

import io
import re

import pandas as pd
from conftest import ACCOUNT_EMAIL, EXAMPLES, run_python


def run_example(stack, name: str) -> str:
    result = run_python([str(EXAMPLES / name)], stack.env)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_every_example_is_tested():
    tested = {
        "01_quick_start.py",
        "02_read_csv.py",
        "03_token_with_requests.py",
        "04_common_operations.py",
        "05_read_input_write_output.py",
        "06_fsspec_paths.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_quick_start(stack, conn):
    out = run_example(stack, "01_quick_start.py")
    size = len(conn.download("reports/q1.csv"))
    assert f"q1.csv {size}\n" in out
    assert f"reports/q1.csv: {size} bytes, first line: month,region,revenue,orders" in out
    for folder in ("data", "exports", "input", "reports"):
        assert re.search(rf"^\d+\s+{folder}\s+\d+\s+True$", out, re.M), out


def test_read_csv_needs_no_import_of_the_package(stack):
    source = (EXAMPLES / "02_read_csv.py").read_text()
    assert "ferry_onedrive" not in source  # pandas finds onedrive:// through fsspec's entry point
    out = run_example(stack, "02_read_csv.py")
    assert "96 rows, columns: timestamp, sensor, temperature_c, humidity_pct" in out


def test_token_with_requests_to_me(stack):
    assert run_example(stack, "03_token_with_requests.py").strip() == f"Ada Lovelace {ACCOUNT_EMAIL}"


def test_common_operations(stack, conn):
    out = run_example(stack, "04_common_operations.py")
    assert "data/: ['measurements.csv']" in out
    size = conn.stat("data/measurements.csv")["size"]
    assert f"metadata: measurements.csv, {size} bytes, modified 20" in out
    assert f"download: {size} bytes" in out
    for line in (
        "upload: 201",
        "overwrite: 200 11 bytes",
        "create folder: 201",
        "create it again: 409 nameAlreadyExists",
        "delete: 204",
    ):
        assert line in out.splitlines(), out
    assert not conn.exists("scratch")


def test_read_input_write_output(stack, conn):
    out = run_example(stack, "05_read_input_write_output.py")
    # pandas' own describe() of the seeded input, computed here from the downloaded bytes.
    expected = pd.read_csv(io.BytesIO(conn.download("input/raw.csv"))).describe()
    written = pd.read_csv(io.BytesIO(conn.download("output/summary.csv")), index_col=0)
    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-12)
    assert list(written.index) == ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
    assert list(written.columns) == ["reading_id", "temperature_c", "humidity_pct", "wind_kmh"]
    assert written.loc["count", "wind_kmh"] == 8  # the gap in the input is not counted
    printed = out.splitlines()
    assert printed[0].split() == ["reading_id", "temperature_c", "humidity_pct", "wind_kmh"]
    assert printed[1].split()[0] == "count" and len(printed) == 9


def test_fsspec_paths(stack, conn):
    out = run_example(stack, "06_fsspec_paths.py")
    q1 = pd.read_csv(io.BytesIO(conn.download("reports/q1.csv")))
    expected = q1.groupby("region", as_index=False)["revenue"].sum()
    written = pd.read_csv(io.BytesIO(conn.download("output/revenue-by-region.csv")))
    pd.testing.assert_frame_equal(written, expected)
    assert "b'region,revenue'" in out
    assert "'output/archive/notes.txt'" in out
    assert not conn.exists("output/archive") and not conn.exists("output/notes.txt")
