"""Sending one e-mail over SMTP (`smtplib`), with STARTTLS, implicit TLS or, for a local relay, neither.

Errors are sorted the way SMTP defines them: a 4xx reply, a refused or dropped connection or a timeout is transient
(try again later); a 5xx reply (bad credentials, recipient refused) is permanent. The password is held in a
`SecretStr` and never appears in an exception message or a log line; messages carry the server's reply code and
text only, which never echo the password (AUTH PLAIN's payload is not part of the reply).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from shared import settings
from shared.notifications.outbox import Notification
from shared.secrets import SecretStr, redact

SECURITY_MODES = ("starttls", "tls", "none")


class SendError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class NotConfigured(SendError):
    def __init__(self, message: str) -> None:
        super().__init__(message, transient=True)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    user: str
    password: SecretStr
    sender: str
    ca_file: str = ""
    timeout_seconds: int = 30

    @classmethod
    def from_settings(cls) -> "SmtpConfig":
        return cls(settings.smtp_host(), settings.smtp_port(), settings.smtp_security(), settings.smtp_user(),
                   SecretStr(settings.smtp_password()), settings.smtp_from(), settings.smtp_ca_file(),
                   settings.smtp_timeout_seconds())

    def problem(self) -> str | None:
        """Why this configuration cannot send, or None (names settings, never values of secrets)."""
        if not self.host:
            return "SMTP_HOST is not set"
        if not self.sender:
            return "SMTP_FROM is not set"
        if self.security not in SECURITY_MODES:
            return f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}"
        return None

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


def build_message(config: SmtpConfig, note: Notification) -> EmailMessage:
    """Plain text and HTML alternatives; the Message-ID derives from the outbox key, so a receiver that sees the
    same event twice (a crash between the server's 250 and our bookkeeping) can tell it is one message."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(note.recipients)
    message["Subject"] = note.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = config.sender.rsplit("@", 1)[-1] or "localhost"
    message["Message-ID"] = make_msgid(idstring=note.outbox_id.replace(":", "."), domain=domain)
    message["X-Job-Event"] = note.outbox_id
    message.set_content(note.body_text)
    message.add_alternative(note.body_html, subtype="html")
    return message


def send(config: SmtpConfig, note: Notification) -> None:
    """Deliver one message or raise `SendError` (transient or permanent)."""
    problem = config.problem()
    if problem:
        raise NotConfigured(f"e-mail is not configured: {problem}")
    message = build_message(config, note)
    try:
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_seconds,
                                                    context=config.tls_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with client:
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=config.tls_context())
                client.ehlo()
            if config.user:
                client.login(config.user, config.password.reveal())
            refused = client.send_message(message)
            if refused:
                raise SendError(f"recipients refused: {', '.join(sorted(refused))}", transient=False)
    except smtplib.SMTPResponseException as exc:
        code = int(exc.smtp_code)
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise SendError(f"SMTP {code}: {redact(text)[:300]}", transient=400 <= code < 500) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(f"recipients refused: {', '.join(sorted(exc.recipients))}", transient=False) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"the server does not support a needed extension: {exc}", transient=False) from None
    except ssl.SSLError as exc:
        raise SendError(f"TLS failed: {exc.__class__.__name__}: {exc.reason or ''}", transient=False) from None
    except OSError as exc:  # refused, reset, timed out, disconnected (smtplib's own errors are OSErrors too)
        raise SendError(f"cannot reach {config.host}:{config.port}: {exc.__class__.__name__}",
                        transient=True) from None
