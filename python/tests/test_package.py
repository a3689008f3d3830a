"""The tests run against the wheel installed in a fresh virtual environment, as a user installs it."""

import re
import sys
from importlib.metadata import distribution
from pathlib import Path

import ferry_onedrive
from conftest import REPO, run_python


def test_imported_from_the_installed_wheel_not_the_source_tree():
    assert sys.prefix != sys.base_prefix, "not running in a virtual environment"
    here = Path(ferry_onedrive.__file__).resolve()
    assert here.is_relative_to(Path(sys.prefix).resolve())
    assert not here.is_relative_to(REPO / "python" / "src")
    dist = distribution("ferry-onedrive")
    assert dist.version == ferry_onedrive.__version__
    assert sorted(re.match(r"[\w.-]+", r).group() for r in dist.requires if "extra" not in r) == [
        "fsspec",
        "requests",
    ]


def test_fsspec_finds_the_filesystem_without_importing_the_package(stack):
    code = (
        "import sys, fsspec\n"
        "assert 'ferry_onedrive' not in sys.modules\n"
        "fs = fsspec.filesystem('onedrive')\n"
        "print(type(fs).__module__, fs.cat_file('reports/q1.csv', 0, 5))\n"
    )
    result = run_python(["-c", code], stack.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ferry_onedrive.filesystem b'month'"
