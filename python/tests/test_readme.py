"""Every ```python block of python/README.md runs against `ferry dev`, so the front page cannot rot."""

import re

from conftest import REPO, run_python

README = (REPO / "python" / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```$", README, re.M | re.S)


def test_the_python_blocks_run(stack, conn):
    assert BLOCKS, "python/README.md has no python block"
    for block in BLOCKS:
        result = run_python(["-c", block], stack.env)
        assert result.returncode == 0, f"{block}\n{result.stderr}"
    # The first block writes describe() of the measurements back.
    assert conn.download("output/summary.csv").startswith(b",temperature_c,humidity_pct\ncount,96.0,96.0\n")
