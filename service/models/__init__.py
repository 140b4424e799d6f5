"""The data model: one module per concept, all importable from here."""

from service.models.agency import Agency
from service.models.audit import AuditEvent
from service.models.message import Message, MessageAttachment, MessageStatus
from service.models.partnership import InsecureRecipientAction, Nation, Partnership

__all__ = [
    "Agency",
    "AuditEvent",
    "InsecureRecipientAction",
    "Message",
    "MessageAttachment",
    "MessageStatus",
    "Nation",
    "Partnership",
]
