"""docs/checks.md is generated from the catalog; a stale copy fails here."""
from scripts.generate_check_docs import DOC, render


def test_checks_doc_is_regenerated_from_the_catalog() -> None:
    assert DOC.read_text() == render(), "run: python -m scripts.generate_check_docs"
