"""The review panel: its members, its meetings, their papers and the calendar invitations.

members    who is on a case's panel (secure addresses only)
meetings   scheduling, moving and cancelling a meeting; when its papers go
papers     uploading and removing papers; papers after dispatch go at once, marked late
dispatch   the emails to members: papers with the invitation, moved, cancelled
ics        the calendar invitation (RFC 5545)
messages   every email the panel sends
"""
