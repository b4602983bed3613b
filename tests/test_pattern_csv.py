"""The user's CSV patterns: read exactly, refused clearly (the field, the value, what is allowed)."""

from __future__ import annotations

import numpy as np
import pytest

from aelab import pattern_csv
from aelab.pattern_csv import load_csv
from aelab.settings import ConfigError


def test_rows_become_patterns_and_a_header_is_skipped():
    patterns = load_csv("x,y,z\n0, 1 ,0.5\n\n1,0,0.25\n")
    np.testing.assert_array_equal(patterns.inputs, [[0, 1, 0.5], [1, 0, 0.25]])
    assert not patterns.binary and patterns.labels is None
    assert load_csv(b"\xef\xbb\xbf0,1\n1,0\n").binary  # bytes with a UTF-8 byte-order mark


@pytest.mark.parametrize(
    ("text", "field", "allowed"),
    [
        ("0,1\n0,2\n", "csv line 2 column 2", "a number from 0 to 1"),
        ("0,1\n0,nan\n", "csv line 2 column 2", "a number from 0 to 1"),
        ("0,1\n0,-0.5\n", "csv line 2 column 2", "a number from 0 to 1"),
        ("0,1\n0,x\n", "csv line 2 column 2", "a number from 0 to 1"),
        ("0,1\n0,１\n", "csv line 2 column 2", "a number from 0 to 1"),
        ("0,1\n0,1,1\n", "csv line 2", "2, as many as the first row"),
        ("0\n1\n", "csv", "from 2 to 1024 columns"),
        ("a,b\n", "csv", "at least one row"),
        ("x,y\n\n0,1\n\n0,7\n", "csv line 5 column 2", "a number from 0 to 1"),  # the file's own line
        ("x,y\n0,1\n\n0,1,0\n", "csv line 4", "2, as many as the first row"),
        ("name,0.5\n0,1\n", "csv line 1 column 1", "a number from 0 to 1"),  # a number in it: not a header
        ("", "csv", "at least one row"),
    ],
)
def test_bad_files_are_refused_naming_where(text, field, allowed):
    with pytest.raises(ConfigError) as error:
        load_csv(text)
    assert error.value.field == field and allowed in error.value.allowed


def test_the_size_limits_hold_before_parsing():
    with pytest.raises(ConfigError, match="at most 2,000,000 bytes"):
        load_csv(b"0" * (pattern_csv.MAX_BYTES + 1))
    with pytest.raises(ConfigError, match="at most 4,096 patterns"):
        load_csv("0,1\n" * 4097)
    with pytest.raises(ConfigError, match="UTF-8"):
        load_csv(b"\xff\xfe0,1")
