"""SQL Server checks that need code: the stored-code linter and the weak-password probe.

Their SQL lives here as constants (not in `sql/sqlserver/`, which holds one query per catalog check) and is parsed
and checked against the documented catalog views by `tests/analyzer/test_sqlserver_static.py` like every other
SQL Server query.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.analyzer.handlers import SkipCheck, handler
from shared.analyzer.lint import lint_handler

if TYPE_CHECKING:
    from shared.analyzer.model import Check
    from shared.analyzer.session import AnalysisSession

# Views, procedures, scalar / inline / table-valued functions and DML triggers written by users. `definition` is
# NULL for modules created WITH ENCRYPTION or not visible to the login; the linter skips those.
STORED_CODE_SQL = """SELECT SCHEMA_NAME(o.schema_id) AS schema_name, o.name AS object_name,
       CASE o.type WHEN 'V' THEN 'VIEW' WHEN 'P' THEN 'PROCEDURE' WHEN 'TR' THEN 'TRIGGER' ELSE 'FUNCTION' END
         AS object_type,
       m.definition
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
WHERE o.is_ms_shipped = 0 AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR')
ORDER BY SCHEMA_NAME(o.schema_id), o.name"""

# PWDCOMPARE can only see password hashes with CONTROL SERVER; without it every comparison is silently false, so
# the check must refuse to run rather than report a clean result.
CONTROL_SERVER_SQL = "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'CONTROL SERVER') AS allowed"

WEAK_PASSWORD_SQL = """SELECT l.name AS user_name,
       CASE WHEN PWDCOMPARE(N'', l.password_hash) = 1 THEN 'a blank password'
            ELSE 'its own name as password' END AS setting_value,
       l.is_disabled
FROM sys.sql_logins AS l
WHERE l.name NOT LIKE N'##%'
  AND (PWDCOMPARE(N'', l.password_hash) = 1 OR PWDCOMPARE(l.name, l.password_hash) = 1)
ORDER BY l.name"""


@handler("mssql_stored_code_lint")
def stored_code_lint(session: "AnalysisSession", check: "Check") -> list[dict[str, Any]]:
    objects = [(r["schema_name"], r["object_name"], r["object_type"], r["definition"])
               for r in session.query(STORED_CODE_SQL)]
    return lint_handler(session, check, objects)


@handler("mssql_weak_login_passwords")
def weak_login_passwords(session: "AnalysisSession", check: "Check") -> list[dict[str, Any]]:
    allowed = session.query(CONTROL_SERVER_SQL)
    if not allowed or not allowed[0].get("allowed"):
        raise SkipCheck("permission denied: PWDCOMPARE needs CONTROL SERVER to read password hashes (without it every "
                        "comparison is false); grant CONTROL SERVER to the analysis login or run this check as a "
                        "sysadmin")
    return session.query(WEAK_PASSWORD_SQL)
