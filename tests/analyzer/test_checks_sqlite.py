"""Live cases for every sqlite check (fixtures in tests/fixtures/checks/sqlite/)."""
import pytest

from tests.analyzer.check_cases import assert_case, cases


@pytest.mark.parametrize("case", cases("sqlite"), ids=lambda c: c.check_id)
def test_check_reports_the_defect_and_not_the_fix(case) -> None:
    assert_case(case)
