"""Keeping only what must be kept (UK GDPR's storage limitation): each partnership's retention
schedule, closing a case, legal holds, deletion by the sweep, the archive of a case's complete
record, and finding a person for a subject access request.

schedule        the partnership's periods (its file's ``retention`` block) and the dates they give
closing         the officer closes a case: how it ended, and the date the schedule counts from
holds           legal holds: nothing of a held case is deleted
deletion        a closed case's personal data deleted, leaving a stub; a referral not taken
                forward deleted
outbox_purge    sent messages' bodies, addresses and attachments purged
notices         the 30-day notice to the DHR officer inbox, the one deferral, what is due
archive         a case's complete record as one ZIP
subject_access  where a person (name and date of birth) appears in the partnership's cases
"""
