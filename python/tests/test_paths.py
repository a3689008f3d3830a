"""The path rule against the cases the Node client is checked against (packages/graph/test/cases/paths.json, whose
coverage of every rule the Node suite asserts), so the two clients refuse the same paths with the same messages
and address the same items."""

import json

import pytest
from conftest import CASES

from ferry_onedrive import InvalidPathError, check_name, item_path, normalize_path
from ferry_onedrive.paths import item_action, join

PATH_CASES = json.loads((CASES / "paths.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", PATH_CASES, ids=[repr(c["path"])[:40] for c in PATH_CASES])
def test_the_same_outcome_as_the_node_client(case):
    if "error" in case:
        with pytest.raises(InvalidPathError) as refused:
            normalize_path(case["path"])
        assert (refused.value.rule, str(refused.value)) == (case["error"]["rule"], case["error"]["message"])
        assert refused.value.code == "invalid_path"
        with pytest.raises(InvalidPathError):
            item_path(case["path"])
    else:
        assert normalize_path(case["path"]) == case["names"]
        assert item_path(case["path"]) == case["itemPath"]


def test_lengths_count_utf16_code_units_as_onedrive_does():
    # 128 emoji are 128 code points in Python but 256 UTF-16 code units: one over OneDrive's 255.
    with pytest.raises(InvalidPathError) as refused:
        check_name("\U0001F600" * 128)
    assert refused.value.rule == "nameIsTooLong"
    check_name("\U0001F600" * 127 + "x")


def test_action_names_cannot_leave_the_item():
    for action in ["", "..", "content?x=1", "a/b", "content:", "%2e%2e", ".hidden", "a..b"]:
        with pytest.raises(InvalidPathError) as refused:
            item_action("a", action)
        assert refused.value.rule == "invalidAction"
    assert item_action("", "children") == "me/drive/root/children"
    assert item_action("a/b.txt", "content") == "me/drive/root:/a/b.txt:/content"


def test_join_normalises_and_checks():
    assert join("a/", "/b", "c.csv") == "a/b/c.csv"
    assert join("", "x") == "x"
    with pytest.raises(InvalidPathError):
        join("a", "..", "b")


def test_a_non_string_is_refused():
    with pytest.raises(InvalidPathError) as refused:
        normalize_path(None)
    assert refused.value.rule == "notAString"
