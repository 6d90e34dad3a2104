"""A real SMTP server for tests (`aiosmtpd`): plain, STARTTLS or implicit TLS, optional AUTH, scripted refusals.

It runs in its own thread (aiosmtpd's `Controller`) on a fixed port, so a test can stop it (an outage: connections
are refused) and start it again on the same port. Received messages are kept as parsed `EmailMessage`s.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devhost.azurite import free_port


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (the client trusts it through SMTP_CA_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            if self.server.refuse_data and self.server.refusals_left != 0:
                if self.server.refusals_left is not None:
                    self.server.refusals_left -= 1
                return self.server.refuse_data
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    def __init__(self, folder: Path, *, mode: str = "none", users: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.mode = mode
        self.users = users or {}
        self.port = port or free_port()
        self.cert, self.key = make_certificate(folder)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.auth_attempts: list[str] = []
        self.refuse_data: str | None = None  # the reply to DATA instead of accepting the message
        self.refusals_left: int | None = None  # None: refuse while `refuse_data` is set; n: only the next n
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        self.auth_attempts.append(user)
        return AuthResult(success=self.users.get(user) == password, handled=False)

    def start(self) -> "SmtpServer":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        kwargs: dict[str, Any] = {}
        if self.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif self.mode == "tls":
            kwargs.update(ssl_context=context)
        if self.users:
            # aiosmtpd does not see an implicit-TLS socket as TLS for its AUTH rule; the socket is TLS all the same
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.mode == "starttls")
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def env(self, **extra: str) -> dict[str, str]:
        """The app settings that point the app at this server."""
        return {"SMTP_HOST": "localhost" if self.mode != "none" else "127.0.0.1", "SMTP_PORT": str(self.port),
                "SMTP_SECURITY": self.mode, "SMTP_FROM": "jobs@example.com", "SMTP_CA_FILE": str(self.cert),
                **extra}
