"""Referrals for a Domestic Homicide Review: drafts, submission, and the officer's decision.

    drafts       drafts kept for 28 days, and the link that reopens one
    referring    the form page by page: each section's status, what is left to complete, a
                 page saved into the draft, the "add another" lists, the referral just sent
    submission   a draft submitted: its reference, the PDF to the referral inbox, the receipts
    pdf          the referral as a PDF
    decisions    the officer's decision, and opening a case from a referral

Importing the package registers the messages they send (web, workers and the CLI alike).
"""

from service.referrals import drafts, submission  # noqa: F401
