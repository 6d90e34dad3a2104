"""GitHub App authentication through PyGithub: RS256 JWT -> installation token, refreshed before it expires."""
from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.github import GitHubAuthError, GitHubGateway, build_github
from tests.github.conftest import FAST
from tests.support.githubsim import GitHubSim

APP_ID, INSTALLATION = 4242, 77


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _token_posts(sim: GitHubSim) -> list[int]:
    return [r["status"] for r in sim.requests() if r["path"].endswith("/access_tokens")]


def _app_gateway(sim: GitHubSim, private_key: str) -> GitHubGateway:
    return GitHubGateway(build_github(sim.base_url, app=(str(APP_ID), private_key, str(INSTALLATION))), None, FAST)


def test_installation_token_is_obtained_and_refreshed_before_expiry(githubsim: GitHubSim) -> None:
    private, public = _key_pair()
    # PyGithub refreshes a token 20 s before `expires_at`: a 23 s lifetime makes it stale after ~3 s.
    githubsim.update({"app": {"id": APP_ID, "publicKeyPem": public, "installations": [INSTALLATION],
                              "tokenTtlSeconds": 23}})
    gateway = _app_gateway(githubsim, private)
    assert gateway.get_repository("acme/docs")["name"] == "docs"
    gateway.get_repository("acme/web-frontend")
    assert _token_posts(githubsim) == [201]
    time.sleep(3.2)
    gateway.get_repository("acme/docs")
    assert _token_posts(githubsim) == [201, 201]
    assert githubsim.admin("GET", "state")["installationTokensIssued"] == 2
    gateway.close()


def test_app_endpoint_accepts_the_jwt_pygithub_signs(githubsim: GitHubSim) -> None:
    from github import Auth

    private, public = _key_pair()
    githubsim.update({"app": {"id": APP_ID, "publicKeyPem": public, "installations": [INSTALLATION]}})
    jwt = Auth.AppAuth(APP_ID, private).create_jwt()
    resp = requests.get(githubsim.base_url + "/app", headers={"Authorization": f"Bearer {jwt}"})
    assert resp.status_code == 200 and resp.json()["id"] == APP_ID
    token = requests.post(f"{githubsim.base_url}/app/installations/{INSTALLATION}/access_tokens",
                          headers={"Authorization": f"Bearer {jwt}"}).json()
    assert token["token"].startswith("ghs_") and token["expires_at"].endswith("Z")
    assert requests.get(githubsim.base_url + "/repos/acme/docs",
                        headers={"Authorization": f"token {token['token']}"}).status_code == 200


def test_jwt_signed_with_another_key_is_refused(githubsim: GitHubSim) -> None:
    _, public = _key_pair()
    other_private, _ = _key_pair()
    githubsim.update({"app": {"id": APP_ID, "publicKeyPem": public, "installations": [INSTALLATION]}})
    gateway = _app_gateway(githubsim, other_private)
    with pytest.raises(GitHubAuthError) as caught:
        gateway.get_repository("acme/docs")
    assert caught.value.status == 401 and "PRIVATE KEY" not in str(caught.value)
    assert _token_posts(githubsim) == [401]
    gateway.close()
