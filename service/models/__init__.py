"""The data model: one module per concept, all importable from here."""

from service.models.action_plan import ActionItem, ActionScope, ActionSource, ActionStatus
from service.models.agency import Agency
from service.models.audit import AuditEvent
from service.models.bounce import (  # noqa: F401  (bounce reports: mail.bounces)
    BounceKind,
    BounceNotice,
    BouncePoll,
    BounceReport,
    MessageBounce,
)
from service.models.case import Case, CaseChair, CasePerson, CaseStatus, PersonRole
from service.models.consent import (
    ConsentCheck,
    ConsentCheckMethod,
    ConsentDelivery,
    ConsentDevice,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
)
from service.models.consent_setting import CaseConsentSetting  # noqa: F401  (service.consent)
from service.models.document_cache import DocumentCache  # noqa: F401  (service.summaries.cache)
from service.models.imr import ImrRequest, ImrSubmission
from service.models.imr_report import CaseTerm, ChronologyNote
from service.models.link_session import LinkSession
from service.models.message import Message, MessageAttachment, MessageStatus
from service.models.message_resend import MessageResend  # noqa: F401  (mail.bounces.resend)
from service.models.panel import (
    DeliveryKind,
    FeedbackRecipient,
    FeedbackRequest,
    MeetingStatus,
    PanelDelivery,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    PanelPaper,
)
from service.models.partnership import ImrNames, InsecureRecipientAction, Nation, Partnership
from service.models.referral import Referral, ReferralStatus
from service.models.report_stage import ReportMessage, ReportMessageKind  # noqa: F401
from service.models.request_delivery import RequestDelivery  # noqa: F401  (service.requests)
from service.models.retention import (  # noqa: F401  (retention: service.retention)
    AttachmentBlob,
    CaseClosure,
    CaseOutcome,
    LegalHold,
    RetentionSchedule,
)
from service.models.review import (  # notifications, timescales and letters after the decision
    DecisionNotification,
    FamilyLetter,
    LetterKind,
    NotificationKind,
    NotificationStatus,
    ReviewProgress,
)
from service.models.trawl import (
    ExtensionStatus,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlPurpose,
    TrawlRequest,
    TrawlReturn,
    TrawlStatus,
)
from service.models.upload import ScanStatus, StoredFile
from service.models.user import AccessToken, ConsoleSession, Role, User, UserStatus

__all__ = [
    "ActionItem",
    "ActionScope",
    "ActionSource",
    "ActionStatus",
    "CaseTerm",
    "ChronologyNote",
    "PanelPaper",
    "PanelMember",
    "PanelMeeting",
    "PanelInvitation",
    "PanelDelivery",
    "MeetingStatus",
    "FeedbackRequest",
    "FeedbackRecipient",
    "DeliveryKind",
    "AccessToken",
    "Agency",
    "AuditEvent",
    "Case",
    "CaseChair",
    "CasePerson",
    "CaseStatus",
    "ConsentCheck",
    "ConsentCheckMethod",
    "ConsentDelivery",
    "ConsentDevice",
    "ConsentRequest",
    "ConsentResponse",
    "ConsentStatus",
    "ConsoleSession",
    "ExtensionStatus",
    "ImrNames",
    "ImrRequest",
    "ImrSubmission",
    "InsecureRecipientAction",
    "LinkSession",
    "Message",
    "MessageAttachment",
    "MessageStatus",
    "Nation",
    "Partnership",
    "PersonRole",
    "Referral",
    "ReferralStatus",
    "DecisionNotification",
    "FamilyLetter",
    "LetterKind",
    "NotificationKind",
    "NotificationStatus",
    "ReviewProgress",
    "Role",
    "ScanStatus",
    "StoredFile",
    "Trawl",
    "TrawlExtension",
    "TrawlPerson",
    "TrawlPurpose",
    "TrawlRequest",
    "TrawlReturn",
    "TrawlStatus",
    "User",
    "UserStatus",
]
