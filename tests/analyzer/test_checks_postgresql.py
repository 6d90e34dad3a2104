"""Live cases for every postgresql check (fixtures in tests/fixtures/checks/postgresql/)."""
import pytest

from tests.analyzer.check_cases import assert_case, cases

pytestmark = pytest.mark.live  # each case runs on the live server


@pytest.mark.parametrize("case", cases("postgresql"), ids=lambda c: c.check_id)
def test_check_reports_the_defect_and_not_the_fix(case) -> None:
    assert_case(case)
