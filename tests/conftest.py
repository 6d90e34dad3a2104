"""Root conftest: loads the shared fixtures of `tests/support/` (see its README) for every test package."""
pytest_plugins = ["tests.support.fixtures"]
