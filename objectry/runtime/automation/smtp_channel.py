"""The email channel over SMTP (``OBJECTRY_SMTP_*``).

One connection per message: workflows send one message per step, and a fresh
connection never carries a broken session from an earlier failure. Any refusal or
network error becomes ``ChannelError``, which fails the step so that its
``on_failure`` retries or falls back (email failed -> SMS).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

from objectry.runtime.automation.channels import ChannelError, Delivery, OutgoingMessage
from objectry.runtime.kernel.context import Context


@dataclass(frozen=True)
class SmtpConfig:
    """The server and sender (the platform's ``OBJECTRY_SMTP_*`` settings)."""

    host: str
    port: int
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    starttls: bool
    timeout_s: float = 10.0


@dataclass(frozen=True)
class EmailChannel:
    config: SmtpConfig

    def send(self, ctx: Context, message: OutgoingMessage) -> Delivery:
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject or ""
        mail["Date"] = formatdate(ctx.now().timestamp(), usegmt=True)
        message_id = f"<{message.idempotency_key.replace(':', '.')}@objectry>"
        mail["Message-ID"] = message_id
        mail["Content-Language"] = message.locale
        for name, value in message.headers.items():  # List-Unsubscribe (RFC 8058)
            mail[name] = value
        mail.set_content(message.body)
        config = self.config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.user:
                    smtp.login(config.user, config.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            raise ChannelError("email_refused", status=exc.smtp_code,
                               reason=_text(exc.smtp_error)) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError("email_refused", status=550, reason=_text(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError("email_unreachable", host=f"{config.host}:{config.port}",
                               reason=str(exc)[:200]) from exc
        if refused:
            raise ChannelError("email_refused", status=550, reason=str(refused)[:200])
        return Delivery("sent", message_id)


def _text(value: object) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return text[:200]
