"""What the audit trail calls each action, actor and kind of object, for people reading it."""

from __future__ import annotations

#: What each action is called on the page. An action not listed is shown as it is recorded.
ACTION_LABELS: dict[str, str] = {
    # referrals
    "referral.submitted": "Referral received",
    "referral.viewed": "Viewed referral",
    "referral.downloaded": "Downloaded referral PDF",
    "referral.decision_recorded": "Referral decision recorded",
    "referral.accepted": "Referral accepted",
    "referral.resume_link_sent": "Referral draft link sent",
    "referral.draft_deleted": "Unfinished referral deleted",
    "case.opened": "Case opened",
    # signing in and out
    "sign_in": "Signed in",
    "sign_in.failed": "Failed sign-in",
    "sign_in.refused_locked": "Sign-in refused: account locked",
    "account.locked": "Account locked",
    "sign_out": "Signed out",
    "session.ended": "Session ended",
    "password_reset.requested": "Password reset requested",
    "password_reset.completed": "Password reset",
    # users
    "user.created": "User invited",
    "user.set_up": "Account set up",
    "user.disabled": "User disabled",
    "user.enabled": "User re-enabled",
    "user.setup_link_issued": "Set-up link issued",
    # cases
    "case.viewed": "Viewed case",
    "case.chair_assigned": "Chair assigned to case",
    "case.chair_removed": "Chair removed from case",
    # retention (service/retention)
    "case.closed": "Case closed",
    "case.legal_hold_placed": "Legal hold placed on case",
    "case.legal_hold_lifted": "Legal hold lifted",
    "case.deletion_notice_sent": "Officer told of the case's deletion in 30 days",
    "case.deletion_deferred": "Case's deletion deferred",
    "case.personal_data_deleted": "Case's personal data deleted",
    "case.archive_downloaded": "Downloaded the case's complete record",
    "referral.deleted": "Referral not taken forward deleted",
    "message.content_purged": "Message content purged",
    "subject_access.searched": "Searched for a person (subject access request)",
    # the outbox (mail/outbox.py, workers/delivery.py)
    "message.queued": "Message queued",
    "message.content_withheld": "Notice sent instead of message content",
    "message.held": "Message held for a decision",
    "message.sent": "Message sent",
    "message.failed": "Message failed",
    "message.retried": "Message retried",
    "message.released": "Held message released",
    "message.cancelled": "Message cancelled",
    "message.viewed": "Viewed message",
    # bounce reports (mail/bounces)
    "message.bounced": "Message bounced",
    "message.delayed": "Message delivery delayed",
    "message.bounce_dealt_with": "Bounce marked as dealt with",
    "message.sent_again": "Bounced email sent again to a corrected address",
    "panel.member_address_corrected": "Panel member's address corrected after a bounce",
    "consent.address_corrected": "Consent request's address corrected after a bounce",
    "trawl.sent_again": "Trawl request sent again to a corrected address",
    "imr.sent_again": "IMR request sent again to a corrected address",
    # the partnership and its agencies (service/partnerships.py, the agencies pages)
    "partnership.created": "Partnership loaded",
    "partnership.updated": "Partnership updated from its file",
    "partnership.loaded": "Partnership loaded",
    "agency.created": "Agency added",
    "agency.updated": "Agency updated",
    # the trawl (service/trawls, the trawl pages)
    "trawl.draft_started": "Trawl started",
    "trawl.draft_viewed": "Viewed unsent trawl",
    "trawl.sent": "Trawl sent",
    "trawl.tracker_viewed": "Viewed trawl tracker",
    "trawl.request_viewed": "Viewed agency's trawl return",
    "trawl.link_resent": "Trawl link sent again",
    "trawl.link_revoked": "Trawl link revoked",
    "trawl.link_reissued": "New trawl link issued",
    "trawl.extension_requested": "Trawl extension requested",
    "trawl.extension_approved": "Trawl extension approved",
    "trawl.extension_refused": "Trawl extension refused",
    "trawl.link_opened": "Agency opened its trawl link",
    "trawl.return_submitted": "Trawl return submitted",
    "trawl.return_downloaded": "Trawl return downloaded as PDF",
    "trawl.return_amended": "Trawl return amended",
    "trawl.chaser_sent": "Trawl chaser sent",
    "trawl.escalated": "Trawl return escalated",
    "trawl.statistics_exported": "Trawl statistics exported",
    "case.person_added": "Person added to case",
    # family consent (service/consent, the consent pages)
    "consent.requested": "Family member asked for consent",
    "consent.tracker_viewed": "Viewed family consent tracker",
    "consent.request_viewed": "Viewed family consent request",
    "consent.link_resent": "Consent email sent again",
    "consent.link_reissued": "New consent link issued",
    "consent.language_changed": "Family member's language changed",
    "consent.letter_downloaded": "Consent letter downloaded",
    "consent.form_downloaded": "Signed consent form downloaded",
    "consent.link_opened": "Family member opened their consent link",
    "consent.given": "Family consent given",
    "consent.declined": "Family consent declined",
    "consent.withdrawn": "Family consent withdrawn",
    "consent.copy_downloaded": "Family member downloaded their consent form",
    # Individual Management Reviews (service/imrs, the IMR pages)
    "imr.requested": "IMR requested",
    "imr.list_viewed": "Viewed IMR requests",
    "imr.request_viewed": "Viewed agency's IMR",
    "imr.link_reissued": "New IMR link sent",
    "imr.link_opened": "Agency opened its IMR link",
    "imr.terms_downloaded": "Agency downloaded the terms of reference",
    "imr.document_uploaded": "IMR report uploaded",
    "imr.submitted": "IMR submitted",
    "imr.revised": "Revised IMR submitted",
    "imr.checklist_downloaded": "IMR QA checklist downloaded as PDF",
    "imr.chaser_sent": "IMR chaser sent",
    "imr.escalated": "IMR escalated",
    # the panel (service/panels, the panel pages, workers/panel_checks.py)
    "panel.viewed": "Viewed case panel",
    "panel.member_added": "Panel member added",
    "panel.member_removed": "Panel member removed",
    "panel.member_language_changed": "Panel member's language of emails changed",
    "panel.meeting_scheduled": "Panel meeting scheduled",
    "panel.meeting_viewed": "Viewed panel meeting",
    "panel.meeting_updated": "Panel meeting updated",
    "panel.meeting_moved": "Panel meeting moved",
    "panel.meeting_cancelled": "Panel meeting cancelled",
    "panel.paper_added": "Panel paper uploaded",
    "panel.paper_removed": "Panel paper removed",
    "panel.papers_dispatched": "Panel papers sent",
    "panel.no_papers_warning": "Officer warned: no panel papers",
    # the collated summary (service/summaries, the summary pages)
    "summary.viewed": "Viewed collated summary",
    "summary.downloaded": "Collated summary downloaded as PDF",
    "summary.exported": "Collated summary exported",
    "summary.panel_adjusted": "Recommended panel agencies changed",
    "summary.panel_reset": "Recommended panel agencies reset to those with involvement",
    # sending the collated summary (service/summaries/delivery.py, workers/summary_checks.py)
    "summary.sent_to_officer": "Collated summary sent to the DHR officer",
    "summary.sent_to_sub_group": "Collated summary sent to the sub-group",
    # drafts for comment (service/panels/feedback.py, the draft pages, workers/feedback_checks.py)
    "feedback.sent": "Draft sent to the panel for comment",
    "feedback.viewed": "Viewed draft for comment and its comments",
    "feedback.comments_downloaded": "Comments on a draft downloaded",
    "feedback.closed": "Draft for comment closed",
    "feedback.link_reissued": "New link sent to a panel member for a draft",
    "feedback.link_opened": "Panel member opened their link to a draft",
    "feedback.draft_downloaded": "Panel member downloaded a draft",
    "feedback.answered": "Panel member answered on a draft",
    "feedback.answer_changed": "Panel member changed their answer on a draft",
    "feedback.reminder_sent": "Reminder sent to a panel member about a draft",
    "feedback.all_answered": "Every panel member answered on a draft",
    # the IMR written in the service, the merged chronology and the action plan
    "imr.chronology_imported": "Agency imported its IMR chronology from a CSV file",
    "imr.report_previewed": "Agency downloaded a draft of its IMR report",
    "case.terms_changed": "Terms of reference changed",
    "chronology.note_saved": "Merged chronology: officer's columns saved",
    "action_plan.from_imr": "Actions added to the action plan from an IMR",
    "action_plan.added": "Recommendation added to the action plan",
    "action_plan.changed": "Action plan changed",
    "action_plan.updated_by_lead": "Lead officer updated their action",
    "action_plan.reminder_sent": "Lead officer reminded of an action",
    "action_plan.reminder_not_sent": "Lead officer not reminded: no secure address",
    "action_plan.exported": "Action plan exported",
    "action_plan.link_opened": "Lead officer opened their action link",
    "action_plan.link_sent": "Lead officer's action link sent again",
    "action_plan.link_reissued": "New action link sent to the lead officer",
    # this page
    "audit.exported": "Audit trail exported",
}

#: Who did it, for actors that are not a user or an agency.
ACTOR_LABELS = {
    "system": "System",
    "cli": "Command line",
    "anonymous": "Someone not signed in",
}

OBJECT_LABELS = {
    "case": "Case",
    "user": "User",
    "message": "Message",
    "agency": "Agency",
    "partnership": "Partnership",
    "referral": "Referral",
    "trawl": "Trawl",
    "trawl_request": "Trawl request",
    "imr_request": "IMR request",
    "consent_request": "Consent request",
    "panel_member": "Panel member",
    "panel_meeting": "Panel meeting",
    "feedback_request": "Draft for comment",
    "action_item": "Action",
}


def action_label(action: str) -> str:
    """The action as the audit pages name it; one not listed as it is recorded."""
    return ACTION_LABELS.get(action, action)


def object_label(object_type: str) -> str:
    """The kind of object as the audit pages name it."""
    return OBJECT_LABELS.get(object_type, object_type)
