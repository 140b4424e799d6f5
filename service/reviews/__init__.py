"""After the decision on a referral: the notifications of it (``notifications``, their wording in
``drafting``), the review's timescales and reminders (``timescales``), and the stages the case
page shows (``stages``). The console views and the sweep's checks (``workers/review_checks.py``)
both call these."""
