"""The review panel: its members, its meetings, their papers and the calendar invitations.

members              who is on a case's panel (secure addresses only)
meetings             scheduling, moving and cancelling a meeting, and its status on the console
dispatch_dates       when a meeting's papers go (working days before it), and why that day
papers               a meeting's papers: uploaded, removed (papers after dispatch go at once,
                     marked late)
dispatch             the emails to members: papers with the invitation, moved, cancelled
ics                  the calendar invitation (RFC 5545)
overview             what the console shows: members, meetings, one meeting's papers and emails
messages             every email the panel sends
feedback             drafts for comment: sending a draft to the panel with a deadline
feedback_answers     a member's answer on a draft
feedback_links       each member's link to answer
feedback_reminders   the reminders before and on the deadline
feedback_documents   the collated comments as CSV or PDF
feedback_messages    every email a draft for comment sends
"""
