"""The case's action plan: each IMR's single-agency actions and the officer's recommendations
for the overview report, tracked to done.

    plan        actions from an IMR, recommendations the officer adds, changes, status
    reminders   the lead officer's reminders a week before the target date and on it
    links       the lead officer's own link to update their action
    messages    every email the action plan sends
    exports     the plan as CSV and XLSX
"""
