"""Where the test app's functions leave evidence for the tests: JSON lines under `DEVHOST_TEST_OUTPUT`."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def record(kind: str, **data: Any) -> None:
    folder = os.environ.get("DEVHOST_TEST_OUTPUT")
    if not folder:
        return
    path = Path(folder) / f"{kind}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:  # one write per line: O_APPEND keeps lines whole
        out.write(json.dumps(data) + "\n")


def records(folder: str | Path, kind: str) -> list[dict[str, Any]]:
    path = Path(folder) / f"{kind}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
