"""Start-request validation: every bad input of the issue is a 400 naming the field, and the allow-list keeps the
server from probing other hosts or reading files outside the allowed directories."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shared.analyzer.requests import parse_start_request
from shared.api.problems import Problem

PG = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=shop;Uid=app;Pwd=s3cret-pw;"


@pytest.fixture(autouse=True)
def analyzer_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "shop.db").write_bytes(b"")
    monkeypatch.setenv("ANALYZER_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ANALYZER_ALLOWED_HOSTS", "127.0.0.1,localhost,*.database.windows.net")
    monkeypatch.setenv("ANALYZER_ALLOWED_SQLITE_DIRS", str(allowed))
    monkeypatch.delenv("ANALYZER_ALLOWED_DRIVERS", raising=False)
    return allowed


def fields(body: object, **kwargs: bool) -> dict[str, str]:
    with pytest.raises(Problem) as caught:
        parse_start_request(body, **kwargs)
    assert caught.value.status == 400
    return {e.field: e.message for e in caught.value.errors}


def test_valid_request_defaults_to_comprehensive_and_hides_the_secret() -> None:
    request = parse_start_request({"connectionString": PG})
    assert request.analysis_type == "comprehensive"
    assert request.info.engine == "postgresql" and request.target == "127.0.0.1:5432/shop"
    assert "s3cret" not in repr(request)
    assert request.connection_string is not None and request.connection_string.reveal() == PG


@pytest.mark.parametrize("body, field", [
    ({}, "connectionString"),
    ({"connectionString": ""}, "connectionString"),
    ({"connectionString": "   "}, "connectionString"),
    ({"connectionString": 42}, "connectionString"),
    ({"connectionString": PG, "connectionName": "shop"}, "connectionString"),
    ({"connectionString": PG, "analysisType": "everything"}, "analysisType"),
    ({"connectionString": PG, "analysisType": None}, "analysisType"),
    ({"connectionString": PG, "options": {"fast": True}}, "options.fast"),
    ({"connectionString": PG, "options": []}, "options"),
    ({"connectionString": PG, "options": {"checks": ["no-such-check"]}}, "options.checks"),
    ({"connectionString": PG, "options": {"excludeChecks": "pg-table-without-primary-key"}}, "options.excludeChecks"),
    ({"connectionString": PG, "options": {"schemas": [""]}}, "options.schemas"),
    ({"connectionString": PG, "options": {"timeoutSeconds": 0}}, "options.timeoutSeconds"),
    ({"connectionString": PG, "options": {"timeoutSeconds": True}}, "options.timeoutSeconds"),
    ({"connectionString": PG, "extra": 1}, "extra"),
    ({"connectionString": "Driver={Oracle 19};Server=127.0.0.1;"}, "connectionString"),
    ({"connectionString": "Server=127.0.0.1;Database=x"}, "connectionString"),
    ({"connectionString": "just text"}, "connectionString"),
    ({"connectionString": PG.replace("127.0.0.1", "10.0.0.5")}, "connectionString"),
    ({"connectionString": PG.replace("Server=127.0.0.1;", "")}, "connectionString"),
    ({"connectionString": PG + "ConnSettings={SET x=1};"}, "connectionString"),
    ({"connectionName": "does_not_exist"}, "connectionName"),
    ({"connectionName": "bad name!"}, "connectionName"),
])
def test_bad_input_names_the_field(body: dict, field: str) -> None:
    assert field in fields(body)


def test_several_errors_are_reported_together() -> None:
    got = fields({"connectionString": "", "analysisType": "x", "options": {"y": 1}})
    assert {"connectionString", "analysisType", "options.y"} <= set(got)


def test_a_check_of_another_engine_is_unknown_for_this_engine() -> None:
    sqlite_request = {"connectionString": PG.replace("PostgreSQL Unicode", "MariaDB Unicode"),
                      "options": {"checks": ["pg-table-without-primary-key"]}}
    assert "for mysql" in fields(sqlite_request)["options.checks"]


def test_driver_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_ALLOWED_DRIVERS", "sqlite")
    assert "not allowed" in fields({"connectionString": PG})["connectionString"]


def test_host_globs(monkeypatch: pytest.MonkeyPatch) -> None:
    azure = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:prod.database.windows.net,1433;Database=x;Uid=a;Pwd=b"
    assert parse_start_request({"connectionString": azure}).info.host == "prod.database.windows.net"
    evil = azure.replace("prod.database.windows.net", "database.windows.net.evil.com")
    assert "allow-list" in fields({"connectionString": evil})["connectionString"]
    assert "allow-list" in fields({"connectionString": PG.replace("127.0.0.1", "169.254.169.254")})["connectionString"]


def test_sqlite_inside_the_allowed_directory(analyzer_settings: Path) -> None:
    request = parse_start_request({"connectionString": f"Driver={{SQLite3}};Database={analyzer_settings}/shop.db"})
    assert request.info.engine == "sqlite"


@pytest.mark.parametrize("make_path", [
    lambda allowed: "/etc/passwd",
    lambda allowed: f"{allowed}/../outside.db",
    lambda allowed: f"{allowed}/missing.db",
    lambda allowed: ":memory:",
    lambda allowed: f"file:{allowed}/shop.db?mode=ro",
])
def test_sqlite_paths_outside_or_missing_are_refused(analyzer_settings: Path, make_path) -> None:  # noqa: ANN001
    (analyzer_settings.parent / "outside.db").write_bytes(b"")
    path = make_path(analyzer_settings)
    assert "connectionString" in fields({"connectionString": f"Driver={{SQLite3}};Database={path}"})


def test_sqlite_symlink_escaping_the_directory_is_refused(analyzer_settings: Path) -> None:
    secret = analyzer_settings.parent / "secret.db"
    secret.write_bytes(b"")
    os.symlink(secret, analyzer_settings / "link.db")
    message = fields({"connectionString": f"Driver={{SQLite3}};Database={analyzer_settings}/link.db"})
    assert "outside the allowed directories" in message["connectionString"]


def test_sqlite_extension_loading_is_refused(analyzer_settings: Path) -> None:
    conn = f"Driver={{SQLite3}};Database={analyzer_settings}/shop.db;LoadExt=/tmp/evil.so"
    assert "LoadExt" in fields({"connectionString": conn})["connectionString"]


def test_named_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_CONNECTION_SHOP", PG)
    request = parse_start_request({"connectionName": "shop", "analysisType": "quick"})
    assert request.connection_name == "shop" and request.connection_string is None


def test_queue_messages_refuse_raw_connection_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    got = fields({"connectionString": PG}, from_queue=True)
    assert "connectionName" in got["connectionString"]
    assert "connectionName" in fields({}, from_queue=True)


def test_messages_never_echo_the_password() -> None:
    with pytest.raises(Problem) as caught:
        parse_start_request({"connectionString": PG.replace("127.0.0.1", "10.1.1.1"), "analysisType": "x"})
    assert "s3cret" not in str(caught.value.to_json())


def test_missing_secret_key_refuses_ad_hoc_strings_but_not_named_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANALYZER_SECRET_KEY")
    assert "ANALYZER_SECRET_KEY" in fields({"connectionString": PG})["connectionString"]
    monkeypatch.setenv("ANALYZER_CONNECTION_SHOP", PG)
    assert parse_start_request({"connectionName": "SHOP"}).connection_name == "SHOP"
