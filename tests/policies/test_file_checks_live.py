"""Issue 13's file-check defects through the real gateway and githubsim's tree listing (folders are entries of
type `tree` there, as on GitHub): a `security/` folder is not a SECURITY.md, `.github/CODEOWNERS.md` is not a
CODEOWNERS, a `readme/` folder is not a README."""
from __future__ import annotations

from typing import Any

import pytest

from shared.github import gateway_from_settings
from shared.policies.checks import REGISTRY
from shared.policies.github_reader import GitHubSession
from shared.policies.repo import RepoSnapshot
from tests.e2e.policy_support import TOKEN, repo, seed
from tests.support.githubsim import start_githubsim

DECOYS = {"security/contact.txt": "mail us\n", ".github/CODEOWNERS.md": "* @acme/x\n", "readme/notes.txt": "x\n",
          "codeowners/team.txt": "x\n", "src/main.py": "print()\n"}


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Any:
    sim = start_githubsim(seed([repo("decoys", files=DECOYS), repo("good")]))
    monkeypatch.setenv("GITHUB_BASE_URL", sim.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    yield GitHubSession(gateway_from_settings)
    sim.stop()


def _verdict(session: GitHubSession, name: str, check_id: str) -> bool:
    raw = session.gateway.get_repository(f"acme/{name}")
    snapshot = RepoSnapshot.from_github(raw)
    check = REGISTRY[check_id]
    return check.evaluate(snapshot, check.resolve_params(None), session.repo_reader()).passed


def test_folders_and_look_alike_names_do_not_satisfy_the_file_checks(session: GitHubSession) -> None:
    paths = session.gateway.get_tree_paths("acme/decoys", "main") or set()
    assert "security/contact.txt" in paths and "security" not in paths  # files only
    assert _verdict(session, "decoys", "security-policy-present") is False
    assert _verdict(session, "decoys", "codeowners-present") is False
    assert _verdict(session, "decoys", "readme-present") is False


def test_the_real_files_still_pass(session: GitHubSession) -> None:
    assert _verdict(session, "good", "security-policy-present") is True
    assert _verdict(session, "good", "codeowners-present") is True
    assert _verdict(session, "good", "readme-present") is True
