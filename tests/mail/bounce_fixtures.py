"""Bounce reports as mail systems write them, about a message of ours (its Message-ID and the
recipient it was sent to). Each returns the report's bytes, CRLF line ends, as they arrive."""

from __future__ import annotations

import uuid

SUBJECT = "OFFICIAL-SENSITIVE: Trawl request [DHR-2026-001]"
OUR_SENDER = "dhr-forms@exampleshire.gov.uk"


def _crlf(text: str) -> bytes:
    return text.lstrip("\n").replace("\r\n", "\n").replace("\n", "\r\n").encode()


def _id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def _returned_headers(message_id: str, recipient: str) -> str:
    return (
        f"From: {OUR_SENDER}\n"
        f"To: {recipient}\n"
        f"Subject: {SUBJECT}\n"
        f"Message-ID: {message_id}\n"
        "Date: Mon, 07 Dec 2026 09:00:00 +0000\n"
        "MIME-Version: 1.0\n"
    )


def rfc3464_dsn(message_id: str, recipient: str, *, status: str = "5.1.1") -> bytes:
    """A Sendmail-style RFC 3464 DSN with the whole returned message."""
    return _crlf(f"""
Return-Path: <>
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.agency.example.org>
To: {OUR_SENDER}
Subject: Returned mail: see transcript for details
Date: Mon, 07 Dec 2026 09:00:05 +0000
Message-ID: {_id("mx.agency.example.org")}
Auto-Submitted: auto-generated (failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN.b0und"

--DSN.b0und
Content-Type: text/plain; charset=us-ascii

The original message was received at Mon, 7 Dec 2026 09:00:01 GMT.

   ----- The following addresses had permanent fatal errors -----
<{recipient}>
    (reason: 550 {status} User unknown)

--DSN.b0und
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.agency.example.org
Arrival-Date: Mon, 7 Dec 2026 09:00:01 GMT

Final-Recipient: RFC822; {recipient}
Action: failed
Status: {status}
Remote-MTA: DNS; mailstore.agency.example.org
Diagnostic-Code: SMTP; 550 {status} <{recipient}>... User unknown
Last-Attempt-Date: Mon, 7 Dec 2026 09:00:05 GMT

--DSN.b0und
Content-Type: message/rfc822

{_returned_headers(message_id, recipient)}Content-Type: text/plain; charset=utf-8

The trawl request for case DHR-2026-001.

--DSN.b0und--
""")


def exchange_online_ndr(message_id: str, recipient: str) -> bytes:
    """Exchange Online's NDR: the human text in two forms, the status, the returned headers."""
    domain = recipient.split("@")[1]
    return _crlf(f"""
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@exampleshire.gov.uk>
To: <{OUR_SENDER}>
Date: Mon, 7 Dec 2026 09:00:03 +0000
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="a2b4c6d8-ndr"
X-MS-Exchange-Message-Is-Ndr:
Content-Language: en-GB
Message-ID: {_id("LO2P265MB0001.GBRP265.PROD.OUTLOOK.COM")}
In-Reply-To: {message_id}
References: {message_id}
Thread-Topic: {SUBJECT}
Subject: Undeliverable: {SUBJECT}
Auto-Submitted: auto-replied
MIME-Version: 1.0

--a2b4c6d8-ndr
Content-Type: multipart/alternative; differences=Content-Type;
\tboundary="e1f3-alt"

--e1f3-alt
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Your message to {recipient} couldn't be delivered.
{recipient.split("@")[0]} wasn't found at {domain}.

Action Required                                                  Recipient
Unknown To address

--e1f3-alt
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Your message to {recipient} couldn't be delivered.</p></body></html>

--e1f3-alt--

--a2b4c6d8-ndr
Content-Type: message/delivery-status

Reporting-MTA: dns;LO2P265MB0001.GBRP265.PROD.OUTLOOK.COM
Received-From-MTA: dns;LO2P265MB0002.GBRP265.PROD.OUTLOOK.COM
Arrival-Date: Mon, 7 Dec 2026 09:00:01 +0000

Original-Recipient: rfc822;{recipient}
Final-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {recipient} not
 found by SMTP address lookup
X-Display-Name: {recipient}

--a2b4c6d8-ndr
Content-Type: message/rfc822

{_returned_headers(message_id, recipient)}X-MS-Exchange-Organization-SCL: -1
Content-Type: text/plain

--a2b4c6d8-ndr--
""")


def postfix_headers_only(message_id: str, recipient: str) -> bytes:
    """Postfix's DSN when only the headers are returned (``text/rfc822-headers``)."""
    return _crlf(f"""
Return-Path: <>
From: MAILER-DAEMON@relay.agency.example.org (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {OUR_SENDER}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="3F2A1C0B9E.1765098005/relay.agency.example.org"
Content-Transfer-Encoding: 8bit
Message-Id: <20261207090005.3F2A1C0B9E@relay.agency.example.org>
Date: Mon,  7 Dec 2026 09:00:05 +0000 (GMT)

This is a MIME-encapsulated message.

--3F2A1C0B9E.1765098005/relay.agency.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay.agency.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mailstore.agency.example.org[192.0.2.25] said: 550
    5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

--3F2A1C0B9E.1765098005/relay.agency.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.agency.example.org
X-Postfix-Queue-ID: 3F2A1C0B9E
X-Postfix-Sender: rfc822; {OUR_SENDER}
Arrival-Date: Mon,  7 Dec 2026 09:00:02 +0000 (GMT)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mailstore.agency.example.org
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
    User unknown in virtual mailbox table

--3F2A1C0B9E.1765098005/relay.agency.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{_returned_headers(message_id, recipient)}
--3F2A1C0B9E.1765098005/relay.agency.example.org--
""")


def delay_447(message_id: str, recipient: str) -> bytes:
    """Exchange Online's "delivery has been delayed" report: Action delayed, 4.4.7."""
    return _crlf(f"""
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@exampleshire.gov.uk>
To: <{OUR_SENDER}>
Date: Tue, 8 Dec 2026 09:00:03 +0000
Subject: Delivery delayed: {SUBJECT}
Message-ID: {_id("LO2P265MB0001.GBRP265.PROD.OUTLOOK.COM")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="delay-b"

--delay-b
Content-Type: text/plain; charset="us-ascii"

Delivery is delayed to these recipients or groups: {recipient}
This message hasn't been delivered yet. Delivery will continue to be attempted.

--delay-b
Content-Type: message/delivery-status

Reporting-MTA: dns;LO2P265MB0001.GBRP265.PROD.OUTLOOK.COM
Arrival-Date: Mon, 7 Dec 2026 09:00:01 +0000

Final-Recipient: rfc822;{recipient}
Action: delayed
Status: 4.4.7
Diagnostic-Code: smtp;400 4.4.7 Message delayed
Will-Retry-Until: Fri, 11 Dec 2026 09:00:01 +0000

--delay-b
Content-Type: text/rfc822-headers

{_returned_headers(message_id, recipient)}
--delay-b--
""")


def out_of_office(message_id: str, recipient: str) -> bytes:
    """An Outlook automatic reply from the recipient, in reply to our message."""
    return _crlf(f"""
From: Jo Example <{recipient}>
To: <{OUR_SENDER}>
Subject: Automatic reply: {SUBJECT}
Date: Mon, 7 Dec 2026 09:00:09 +0000
Message-ID: {_id("agency.example.org")}
In-Reply-To: {message_id}
References: {message_id}
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

I am out of the office until 14 December with no access to email. Delivery of urgent
requests failed? Please contact the safeguarding team.
""")


def read_receipt(message_id: str, recipient: str) -> bytes:
    """An Outlook read receipt (RFC 8098 disposition notification)."""
    return _crlf(f"""
From: Jo Example <{recipient}>
To: <{OUR_SENDER}>
Subject: Read: {SUBJECT}
Message-ID: {_id("agency.example.org")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain

Your message was read on Monday, 7 December 2026 10:00:00 (UTC).

--mdn
Content-Type: message/disposition-notification

Reporting-UA: agency.example.org; Microsoft Exchange Server
Final-Recipient: rfc822;{recipient}
Original-Message-ID: {message_id}
Disposition: automatic-action/MDN-sent-automatically; displayed

--mdn--
""")


def unknown_message(recipient: str) -> bytes:
    """A correct DSN, about a Message-ID the service never used."""
    return rfc3464_dsn(f"<{uuid.uuid4().hex}@dhr-forms.invalid>", recipient)


def malformed_report(message_id: str, recipient: str) -> bytes:
    """A multipart/report whose delivery-status part says nothing readable about anyone."""
    return _crlf(f"""
From: MAILER-DAEMON@mx.agency.example.org
To: {OUR_SENDER}
Subject: Undelivered Mail Returned to Sender
Message-ID: {_id("mx.agency.example.org")}
In-Reply-To: {message_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="broken"

--broken
Content-Type: text/plain

Your message to {recipient} could not be delivered.

--broken
Content-Type: message/delivery-status

this is not a delivery status
{{{{ and nothing here names a recipient }}}}

--broken--
""")


def qmail_bounce(message_id: str, recipient: str) -> bytes:
    """qmail's own format (QSBMF): no delivery-status part, the message quoted inline."""
    return _crlf(f"""
Return-Path: <>
From: MAILER-DAEMON@mail.agency.example.org
To: {OUR_SENDER}
Subject: failure notice
Message-ID: {_id("mail.agency.example.org")}
Date: 7 Dec 2026 09:00:06 -0000

Hi. This is the qmail-send program at mail.agency.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{recipient}>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

{_returned_headers(message_id, recipient)}
The trawl request for case DHR-2026-001.
""")


def forged_from(message_id: str, recipient: str) -> bytes:
    """A DSN claiming to be from the recipient's postmaster, about a Message-ID we never sent,
    though its text names one of ours: only the returned headers' Message-ID counts."""
    made_up = f"<{uuid.uuid4().hex}@dhr-forms.invalid>"
    return rfc3464_dsn(made_up, recipient).replace(
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.agency.example.org>",
        f"From: postmaster@{recipient.split('@')[1]}\r\nIn-Reply-To: {message_id}".encode(),
    )


def padded(report: bytes, size: int) -> bytes:
    """``report`` made ``size`` bytes long by an epilogue after its last boundary."""
    return report + b"x" * max(size - len(report), 0)
