"""The agency-request kernel: a request to an agency with a link, a due date, chasers and
escalation. Trawl requests and IMR requests are kinds of it.

    model.py     ``AgencyRequest``: the columns every kind's model mixes in
    kinds.py     ``RequestKind``: what one kind is (model, link, purposes, emails, intervals,
                 tracker); ``register`` and the registry of kinds
    schedule.py  when a request is overdue and when its chasers go, in working days
    delivery.py  delivering the request email with its link; ``has_secure_address``
    chasing.py   the chaser and escalation engine the sweep runs for every kind
    tracking.py  a request's tracker status while it waits for its answer: email bounced,
                 escalated, chased N times, overdue, awaiting (each kind adds its own answered
                 statuses)
    bounces.py   the messages that carried each request; when one bounced, the addresses dead
                 for it and whether the agency never got it (chasers pause, not overdue)
    resending.py sending a bounced request again to the agency's corrected address, with the
                 same link, the due date restarted or kept as the officer chooses

A new kind of request (the initial information request, action-plan updates) needs a model
with ``AgencyRequest``, its link and purposes, and one ``register(RequestKind(...))``.
"""
