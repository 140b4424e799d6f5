"""Email: who gets what, whether content may go there, and the outbox that sends it.

routing      every kind of message (its purpose): subject wording, templates, audience
policy       the secure-recipient policy: content, a content-free notice, or held
outbox       queueing messages and every change of a message's status
sizing       attachments, and which fit in a message or go as download links
handover     handing queued messages to the job queue: after commit, and from the sweep
queueing     ``queue_if_addressed``: a message that may have nobody to go to, recorded if so
render       the bodies, from templates/email
links        live links kept out of stored bodies until the message goes
mime         one outbox row as a MIME message
transports   file, SMTP, EWS and Graph, chosen by ``MAIL_TRANSPORT``
"""
