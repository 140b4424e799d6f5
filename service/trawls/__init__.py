"""The trawl: asking agencies to search their records for the people in a case.

    sending      the officer's trawl: agencies, people, scoping period, then one email per agency
    links        each agency's link: a token bound to one request, revocable, renewable
    schedule     due dates and the chaser timetable, in the partnership's working days
    chasers      the sweep's chasers and escalation, each sent exactly once
    returns      the agency's return: drafts, submitted versions, amendments
    extensions   the agency asks for more time; the officer approves or refuses
    statistics   response times per agency across trawls

No Flask here: views and the sweep call these inside their own transaction.
"""
