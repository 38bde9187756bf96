"""profiles.ethnicities: the 56 recognised groups, with GB/T 3304 codes."""

from __future__ import annotations

import pytest

from profiles.ethnicities import ETHNIC_GROUPS, ETHNICITY_NAMES, normalise_ethnicity


def test_there_are_56_groups_with_codes_01_to_56() -> None:
    assert len(ETHNIC_GROUPS) == len(ETHNICITY_NAMES) == 56
    assert [code for code, _ in ETHNIC_GROUPS] == [f"{n:02d}" for n in range(1, 57)]
    assert ETHNIC_GROUPS[0] == ("01", "汉族") and ETHNIC_GROUPS[-1] == ("56", "基诺族")
    assert all(name.endswith("族") for name in ETHNICITY_NAMES)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("汉族", "汉族"), (" 彝 ", "彝族"), ("蒙古", "蒙古族"), ("土", "土族"), ("柯尔克孜族", "柯尔克孜族")],
)
def test_given_a_group_with_or_without_zu_when_normalised_then_its_full_name(given: str, expected: str) -> None:
    assert normalise_ethnicity(given) == expected


@pytest.mark.parametrize("given", ["", "族", "火星族", "Han", "汉族族", "穿青人"])
def test_given_something_else_when_normalised_then_none(given: str) -> None:
    assert normalise_ethnicity(given) is None
