"""The background processes: rq jobs and the deadline sweep that finds work in the database.

sweep             one pass of every deadline check (``dhr sweep``), and the stale-message
                  recovery
checks            imports every module that registers a deadline check
request_checks    chasers and escalation for every kind of agency request
referral_checks   decision reminders and expired referral drafts
panel_checks      panel papers and the officer's warnings
feedback_checks   reminders on drafts for comment
summary_checks    the collated summary when a trawl is complete or due
link_checks       visits through links that ended
delivery          the job that delivers one message
queues            the queues the workers listen to (``service.queues``)
scheduler         ``dhr scheduler``: the sweep once a minute
"""
