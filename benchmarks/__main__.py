"""`python -m benchmarks` (`make bench`): runs every `benchmarks/bench_*.py` and lets each print its figures."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    failed = []
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    for name in names:
        print(f"=== benchmarks.{name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        entry = getattr(module, "main", None)
        required = [p for p in inspect.signature(entry).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)] if entry else []
        try:
            if entry is not None and not required:
                entry()
            else:  # main() needs arguments: its own `__main__` block knows the defaults
                subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=ROOT, check=True)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            print(f"benchmarks.{name} failed: {exc}", flush=True)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
