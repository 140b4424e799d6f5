"""Bounce reports: what came back from mail systems that could not deliver a message.

- ``parse``: reads one report (RFC 3464 delivery status notifications, Exchange's NDRs, Postfix
  DSNs with only the returned headers, and the non-standard formats ``flufl.bounce`` knows) into
  the failed recipients, their status codes and the original Message-IDs; tells out-of-office
  replies, read receipts, malformed reports and anything else apart, to be ignored.
- ``match``: the message each failure is about, strictly by its exact Message-ID and recipient.
- ``record``: records a report once (``BounceReport``), marks a permanently failed message
  ``bounced`` through ``mail.outbox`` or records a delay, audits it, and tells the DHR officer
  (at most once per address per day).
- ``poll``, ``graph_inbox``, ``ews_inbox``, ``imap_inbox``: reading reports from the mailbox
  the service sends as (Microsoft Graph or Exchange Web Services), or from a separate one
  (``MAIL_BOUNCES=imaps://…``), by the scheduler.
"""
