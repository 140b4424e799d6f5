"""Drafts for comment: reminders 3 working days before the deadline and on it."""
