"""docs/checks.md is generated from the catalog, and the check counts in the prose docs are stamped from it."""
import pytest

from scripts.generate_check_docs import COUNTED_DOCS, DOC, counts, render, stamp_counts


def test_checks_doc_is_regenerated_from_the_catalog() -> None:
    assert DOC.read_text() == render(), "run: python -m scripts.generate_check_docs"


@pytest.mark.parametrize("path", [p for p in COUNTED_DOCS if p.exists()], ids=lambda p: p.name)
def test_check_counts_in_the_docs_come_from_the_catalog(path) -> None:
    text = path.read_text()
    assert text == stamp_counts(text), f"stale check count in {path.name}: run python -m scripts.generate_check_docs"


def test_readme_states_every_engine_count_through_a_marker() -> None:
    readme = next(p for p in COUNTED_DOCS if p.name == "README.md").read_text()
    for engine in counts():
        assert f"<!-- count:{engine} -->" in readme, engine


def test_a_stale_count_is_rewritten() -> None:
    assert stamp_counts("PostgreSQL (<!-- count:postgresql -->1<!-- /count -->)") == \
        f"PostgreSQL (<!-- count:postgresql -->{counts()['postgresql']}<!-- /count -->)"
