"""The property tests never depend on wall-clock speed (issue 10, item 16)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings


def test_property_tests_have_no_deadline_unless_a_developer_asks_for_one() -> None:
    if os.environ.get("HYPOTHESIS_PROFILE") == "dev":
        pytest.skip("HYPOTHESIS_PROFILE=dev keeps Hypothesis' own defaults")
    assert settings().deadline is None
