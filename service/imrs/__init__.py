"""Individual Management Reviews: the officer's (or chair's) request to an agency, the agency's
link, its IMR document and quality assurance checklist, and who receives each version.

    requesting   ask an agency: terms of reference, due date, the request email; ``IMR``, the
                 IMR request as a kind of agency request, which ``service.requests`` delivers
                 and chases
    links        the agency's token-bound link to its form
    submission   drafts, each submitted version, the checklist PDF and the emails
    messages     every email the IMR sends
    tracking     what the console shows: each request's status and dates
"""
