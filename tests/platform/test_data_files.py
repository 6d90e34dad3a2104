"""The bundled YAML files read the same through libyaml's loader as through PyYAML's pure-Python one.

`shared.data_files` uses the C loader for speed; a construct the two read differently (a YAML 1.1 corner, a tag)
would silently change a check, a rule or the API document, so every bundled file is compared.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shared import data_files

BUNDLED = sorted((Path(data_files.__file__).parent).rglob("*.yaml"))


def test_the_c_loader_is_the_one_used() -> None:
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the bundled files load ~9x slower"
    assert data_files.SAFE_LOADER is yaml.CSafeLoader


def test_every_bundled_file_is_found() -> None:
    names = {p.relative_to(Path(data_files.__file__).parent).as_posix() for p in BUNDLED}
    assert {"api/openapi/base.yaml", "analyzer/catalog/postgresql.yaml", "analyzer/lint/rules.yaml",
            "policies/config.schema.yaml"} <= names


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_same_data_as_the_pure_python_loader(path: Path) -> None:
    loaded = data_files.load_yaml(path)
    assert loaded, f"{path.name} is empty"
    assert loaded == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_only_the_safe_subset(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(yaml.constructor.ConstructorError):
        data_files.load_yaml(unsafe)
