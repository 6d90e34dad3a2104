"""Builds `samples/shop.db` from `samples/shop.sql`, the demo database with planted defects.

Deterministic: the file is rebuilt from scratch, the SQL fixes every id and timestamp, and the build leaves no
journal behind, so running it twice gives the same database. Run: `python samples/build_sample.py [output.db]`.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SQL = HERE / "shop.sql"
DEFAULT_OUTPUT = HERE / "shop.db"


def build(output: Path = DEFAULT_OUTPUT, sql_path: Path = SQL) -> Path:
    output = Path(output)
    for leftover in (output, output.with_name(output.name + "-journal"), output.with_name(output.name + "-wal")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(output, isolation_level=None)
    try:
        # The defects include orphan rows, which is only possible with enforcement off (SQLite's default).
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.executescript(sql_path.read_text())
        conn.execute("VACUUM")  # compact pages so the bytes depend only on the SQL
    finally:
        conn.close()
    return output


def main(argv: list[str]) -> int:
    target = build(Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT)
    print(f"built {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
