"""The trawl: asking agencies to search their records for the people in a case.

    sending      the officer's trawl: agencies, people, scoping period, then one email per
                 agency; ``TRAWL``, the trawl request as a kind of agency request, which
                 ``service.requests`` delivers and chases
    links        each agency's link: a token bound to one request, revocable, renewable
    schedule     due dates and link expiry (the chaser timetable is ``service.requests``')
    messages     every email the trawl sends
    returns      the agency's return: drafts, submitted versions, amendments
    return_form  the return's pages: what each reads and changes in the draft, the overview's
                 tasks, where check your answers sends to complete a part, the version sent
    submission   a submitted return's emails: to the DHR officer and the agency's receipt
    extensions   the agency asks for more time (when it may, and the last one decided); the
                 officer approves or refuses
    statistics   response times per agency across trawls, and as a spreadsheet
    drafting     what the draft's pages read and change, the email's preview, the send's lock
    tracking     the tracker: each request's status, its page, the officer's actions on it
    initial      the initial information request: a trawl sent from a referral while the
                 partnership considers a review, the case's once one is opened

No Flask here: views and the sweep call these inside their own transaction.
"""
