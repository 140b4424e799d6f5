"""Mail transports, chosen by the scheme of MAIL_TRANSPORT."""

from mail.transports.base import (
    CredentialsRefused,
    Envelope,
    PermanentError,
    TransientError,
    Transport,
    TransportConfigError,
    TransportError,
    from_settings,
    redact,
    register,
)

__all__ = [
    "CredentialsRefused",
    "Envelope",
    "PermanentError",
    "TransientError",
    "Transport",
    "TransportConfigError",
    "TransportError",
    "from_settings",
    "redact",
    "register",
]
