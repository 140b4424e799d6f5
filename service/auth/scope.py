"""Who may see and do what in the console: the one place that scopes every console query.

Every console view reads rows through ``Scope``: the signed-in user's partnership, and for a
chair only the cases they are assigned to. A row outside the scope is simply not found, so asking
for another partnership's object by id gives 404, never its data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from service.models import (  # after the decision: notifications, progress and letters  # retention
    ActionItem,
    Agency,
    AttachmentBlob,
    AuditEvent,
    Case,
    CaseChair,
    CaseClosure,
    CaseConsentSetting,
    CasePerson,
    CaseTerm,
    ChronologyNote,
    ConsentRequest,
    ConsentResponse,
    ConsoleSession,
    DecisionNotification,
    FamilyLetter,
    FeedbackRecipient,
    FeedbackRequest,
    ImrRequest,
    ImrSubmission,
    LegalHold,
    Message,
    MessageAttachment,
    MessageBounce,
    PanelDelivery,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
    Referral,
    ReportMessage,
    RetentionSchedule,
    ReviewProgress,
    Role,
    StoredFile,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
    User,
)

T = TypeVar("T")

OFFICER, CHAIR, VIEWER = Role.OFFICER, Role.CHAIR, Role.VIEWER

#: What each role may do. Views name a permission; nothing else checks roles.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "cases.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "cases.edit": frozenset({OFFICER}),
    "outbox.view": frozenset({OFFICER, VIEWER}),
    "outbox.act": frozenset({OFFICER}),
    "agencies.view": frozenset({OFFICER, VIEWER}),
    "agencies.edit": frozenset({OFFICER}),
    "users.view": frozenset({OFFICER}),
    "users.manage": frozenset({OFFICER}),
    "audit.view": frozenset({OFFICER}),
    "settings.view": frozenset({OFFICER, VIEWER}),
    "referrals.view": frozenset({OFFICER, VIEWER}),
    "referrals.decide": frozenset({OFFICER}),
    # Trawls: chairs read their cases' trawls and returns; officers send and manage them.
    "trawls.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "trawls.send": frozenset({OFFICER}),
    "trawls.manage": frozenset({OFFICER}),
    "trawls.statistics": frozenset({OFFICER, VIEWER}),
    # Family consent and IMRs: the officer or the case's chair asks; everyone on the case reads.
    "consent.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "consent.request": frozenset({OFFICER, CHAIR}),
    "imr.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "imr.request": frozenset({OFFICER, CHAIR}),
    "files.download": frozenset({OFFICER, CHAIR, VIEWER}),
    # The panel: meetings, members, papers and drafts for comment. Chairs read their cases'.
    "panels.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "panels.manage": frozenset({OFFICER}),
    "feedback.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "feedback.manage": frozenset({OFFICER}),
    # The collated summary of a case's returns: everyone on the case reads and downloads it.
    "summaries.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "summaries.adjust": frozenset({OFFICER}),
    "summaries.send": frozenset({OFFICER}),
    # Retention: closing cases, legal holds, deferring a deletion, the archive of a case's
    # complete record, and the subject access search (service.retention).
    "retention.manage": frozenset({OFFICER}),
    "retention.archive": frozenset({OFFICER}),
    "subject_access.search": frozenset({OFFICER}),
    # After the decision: who is told of it, the review's timescales and the family's letters.
    "notifications.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "notifications.send": frozenset({OFFICER}),
    # The IMR written in the service: the case's terms of reference, the officer's columns on
    # the merged chronology, and the action plan (everyone on the case reads it).
    "terms.edit": frozenset({OFFICER}),
    "chronology.annotate": frozenset({OFFICER}),
    "actions.view": frozenset({OFFICER, CHAIR, VIEWER}),
    "actions.manage": frozenset({OFFICER}),
}


def can(user: User, permission: str) -> bool:
    return user.role in PERMISSIONS[permission]


def _assigned_cases(user: User) -> Select:
    return select(CaseChair.case_id).where(CaseChair.user_id == user.id)


def _partnership_cases(user: User) -> Select:
    return select(Case.id).where(Case.partnership_id == user.partnership_id)


def _case_rule(user: User, case_column: Any) -> ColumnElement[bool]:
    """Rows tied to a case: the partnership's cases, or a chair's own."""
    if user.role is CHAIR:
        return case_column.in_(_assigned_cases(user))
    return case_column.in_(_partnership_cases(user))


def _report_files(user: User) -> Select:
    """The overview reports and executive summaries of the user's cases."""
    mine = _case_rule(user, ReviewProgress.case_id)
    return (
        select(ReviewProgress.report_file_id)
        .where(mine)
        .union(select(ReviewProgress.summary_file_id).where(mine))
    )


def _meetings(user: User) -> Select:
    return select(PanelMeeting.id).where(_case_rule(user, PanelMeeting.case_id))


def _partnership_rule(model: Any, *, chairs: bool = False) -> Callable[[User], ColumnElement]:
    def rule(user: User) -> ColumnElement[bool]:
        if user.role is CHAIR and not chairs:
            return false()
        return model.partnership_id == user.partnership_id

    return rule


def _referral_rule(user: User, model: Any) -> ColumnElement[bool]:
    """Rows of a referral that may have a case: the partnership's; for a chair, their cases'."""
    if user.role is CHAIR:
        return _case_rule(user, model.case_id)
    return model.partnership_id == user.partnership_id


#: One rule per model the console reads. A model with no rule cannot be read through Scope.
RULES: dict[type, Callable[[User], ColumnElement[bool]]] = {
    Partnership: lambda user: Partnership.id == user.partnership_id,
    Case: lambda user: (
        (Case.partnership_id == user.partnership_id)
        & (Case.id.in_(_assigned_cases(user)) if user.role is CHAIR else true())
    ),
    CaseChair: lambda user: _case_rule(user, CaseChair.case_id),
    CasePerson: lambda user: _case_rule(user, CasePerson.case_id),
    Agency: _partnership_rule(Agency),
    Message: _partnership_rule(Message),
    MessageAttachment: lambda user: MessageAttachment.message_id.in_(
        select(Message.id).where(RULES[Message](user))
    ),
    MessageBounce: _partnership_rule(MessageBounce),
    # Chairs see who else works on the partnership's reviews (names on their cases).
    User: _partnership_rule(User, chairs=True),
    ConsoleSession: lambda user: ConsoleSession.user_id.in_(
        select(User.id).where(User.partnership_id == user.partnership_id)
    ),
    AuditEvent: _partnership_rule(AuditEvent),
    # Referrals are the partnership's; chairs see a case only once it is opened.
    Referral: _partnership_rule(Referral),
    # Trawls: an initial information request is its referral's until a case is opened.
    Trawl: lambda user: _referral_rule(user, Trawl),
    TrawlRequest: lambda user: _referral_rule(user, TrawlRequest),
    TrawlPerson: lambda user: TrawlPerson.trawl_id.in_(
        select(Trawl.id).where(_referral_rule(user, Trawl))
    ),
    TrawlReturn: lambda user: TrawlReturn.request_id.in_(
        select(TrawlRequest.id).where(_referral_rule(user, TrawlRequest))
    ),
    TrawlExtension: lambda user: TrawlExtension.request_id.in_(
        select(TrawlRequest.id).where(_referral_rule(user, TrawlRequest))
    ),
    ConsentRequest: lambda user: _case_rule(user, ConsentRequest.case_id),
    CaseConsentSetting: lambda user: _case_rule(user, CaseConsentSetting.case_id),
    ConsentResponse: lambda user: ConsentResponse.request_id.in_(
        select(ConsentRequest.id).where(_case_rule(user, ConsentRequest.case_id))
    ),
    ImrRequest: lambda user: _case_rule(user, ImrRequest.case_id),
    ImrSubmission: lambda user: ImrSubmission.request_id.in_(
        select(ImrRequest.id).where(_case_rule(user, ImrRequest.case_id))
    ),
    CaseTerm: lambda user: _case_rule(user, CaseTerm.case_id),
    ChronologyNote: lambda user: _case_rule(user, ChronologyNote.case_id),
    ActionItem: lambda user: _case_rule(user, ActionItem.case_id),
    # After the decision: the partnership's (a referral's, before any case); a chair's cases.
    DecisionNotification: lambda user: _referral_rule(user, DecisionNotification),
    ReviewProgress: lambda user: _referral_rule(user, ReviewProgress),
    FamilyLetter: lambda user: _referral_rule(user, FamilyLetter),
    ReportMessage: lambda user: _case_rule(user, ReportMessage.case_id),
    PanelMember: lambda user: _case_rule(user, PanelMember.case_id),
    PanelMeeting: lambda user: _case_rule(user, PanelMeeting.case_id),
    PanelInvitation: lambda user: PanelInvitation.meeting_id.in_(_meetings(user)),
    PanelPaper: lambda user: PanelPaper.meeting_id.in_(_meetings(user)),
    PanelDelivery: lambda user: PanelDelivery.meeting_id.in_(_meetings(user)),
    FeedbackRequest: lambda user: _case_rule(user, FeedbackRequest.case_id),
    FeedbackRecipient: lambda user: FeedbackRecipient.request_id.in_(
        select(FeedbackRequest.id).where(_case_rule(user, FeedbackRequest.case_id))
    ),
    # A file is read through what it belongs to: the partnership's, and for a chair only the
    # terms of reference, IMR documents, panel papers and drafts for comment of their cases.
    # Retention (service.retention): a case's closure and holds, the partnership's schedule, and
    # an attachment's stored bytes through the messages that carry them.
    CaseClosure: lambda user: _case_rule(user, CaseClosure.case_id),
    LegalHold: lambda user: _case_rule(user, LegalHold.case_id),
    RetentionSchedule: lambda user: RetentionSchedule.partnership_id == user.partnership_id,
    AttachmentBlob: lambda user: AttachmentBlob.sha256.in_(
        select(MessageAttachment.sha256).where(RULES[MessageAttachment](user))
    ),
    StoredFile: lambda user: (
        (StoredFile.partnership_id == user.partnership_id)
        & (
            StoredFile.id.in_(
                select(ImrRequest.terms_of_reference_id).where(_case_rule(user, ImrRequest.case_id))
            )
            | StoredFile.id.in_(
                select(ImrSubmission.document_id).where(
                    ImrSubmission.request_id.in_(
                        select(ImrRequest.id).where(_case_rule(user, ImrRequest.case_id))
                    )
                )
            )
            | StoredFile.id.in_(
                select(PanelPaper.file_id).where(PanelPaper.meeting_id.in_(_meetings(user)))
            )
            | StoredFile.id.in_(
                select(FeedbackRequest.file_id).where(_case_rule(user, FeedbackRequest.case_id))
            )
            | StoredFile.id.in_(_report_files(user))
            if user.role is CHAIR
            else true()
        )
    ),
}


class Scope:
    """The rows one user may read."""

    def __init__(self, user: User) -> None:
        self.user = user

    def where(self, model: type) -> ColumnElement[bool]:
        try:
            rule = RULES[model]
        except KeyError:
            raise LookupError(
                f"{model.__name__} has no access rule in service.auth.scope"
            ) from None
        return rule(self.user)

    def select(self, model: type[T], *criteria: Any) -> Select[tuple[T]]:
        return select(model).where(self.where(model), *criteria)

    def get(self, session: Session, model: type[T], ident: Any) -> T | None:
        """The row with primary key ``ident`` if this user may read it; else None."""
        pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
        try:
            ident = pk.type.python_type(ident)
        except (TypeError, ValueError):
            return None
        return session.scalar(self.select(model, pk == ident))
