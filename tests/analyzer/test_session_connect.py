"""Connecting to a target that accepts TCP and never answers must not pin an activity forever."""
from __future__ import annotations

import pytest

from shared.analyzer.session import AnalysisSession, TargetError


def test_mariadb_driver_that_ignores_the_login_timeout_still_gives_up_in_time(hanging_port: int) -> None:
    conn_str = (f"Driver={{MariaDB Unicode}};Server=127.0.0.1;Port={hanging_port};Database=x;Uid=root;"
                f"Pwd=never-shown;")
    # It gives up (raises) instead of hanging; a hang is what pytest-timeout would catch. No wall-time bound.
    with pytest.raises(TargetError) as raised:
        AnalysisSession(conn_str, connect_timeout_s=2).open()
    assert not raised.value.permanent  # transient: the orchestrator may retry it
    assert f"127.0.0.1:{hanging_port}" in str(raised.value)
    assert "never-shown" not in str(raised.value)
