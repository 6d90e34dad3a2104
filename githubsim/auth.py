"""Who is calling: personal tokens, GitHub App JWTs (RS256, verified with the seeded public key) and the
installation tokens the server hands out in exchange for a valid JWT."""
from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from githubsim.model import SimState


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "app" | "installation"
    login: str
    installation_id: int | None = None


class AuthFailure(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(state: SimState, token: str) -> Principal:
    """Check an app JWT the way GitHub does: RS256 signature, `iss` = app id, `exp` in the future, ≤ 10 minutes."""
    app = state.app
    if app is None or not app.public_key_pem:
        raise AuthFailure("A JSON web token could not be decoded")
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, json.JSONDecodeError):
        raise AuthFailure("A JSON web token could not be decoded") from None
    if header.get("alg") != "RS256":
        raise AuthFailure("A JSON web token could not be decoded")
    public_key = serialization.load_pem_public_key(app.public_key_pem.encode())
    assert isinstance(public_key, rsa.RSAPublicKey)
    try:
        public_key.verify(signature, f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise AuthFailure("A JSON web token could not be decoded") from None
    now = time.time()
    if str(payload.get("iss")) != str(app.id):
        raise AuthFailure("'Issuer' claim ('iss') must be an Integer")
    exp, iat = payload.get("exp"), payload.get("iat")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise AuthFailure("'Expiration time' claim ('exp') must be a numeric value representing the future time "
                          "at which the assertion expires")
    if not isinstance(iat, (int, float)) or iat > now + 60 or exp - iat > 660:
        raise AuthFailure("'Issued at' claim ('iat') must be an Integer representing the time that the assertion "
                          "was issued")
    return Principal("app", f"{app.slug}[bot]")


def issue_installation_token(state: SimState, installation_id: int) -> tuple[str, float]:
    assert state.app is not None
    token = "ghs_" + secrets.token_hex(18)
    expires = time.time() + state.app.token_ttl_seconds
    with state.lock:
        state.installation_tokens[token] = (installation_id, expires)
    return token, expires


def authenticate(state: SimState, header: str | None) -> Principal | None:
    """None when no credentials were sent; raises AuthFailure for credentials GitHub would refuse."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() not in {"token", "bearer"} or not value:
        raise AuthFailure("Bad credentials")
    if value.count(".") == 2 and value.startswith("ey"):
        return verify_jwt(state, value)
    with state.lock:
        login = state.tokens.get(value)
        if login is not None:
            return Principal("user", login)
        installation = state.installation_tokens.get(value)
    if installation is None or installation[1] <= time.time():
        raise AuthFailure("Bad credentials")
    assert state.app is not None
    return Principal("installation", f"{state.app.slug}[bot]", installation[0])
