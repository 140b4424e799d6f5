"""How much one "send to sub-group" takes: the domain's rule, read by the form too (this module
imports nothing, so the form does not pull the summary's machinery in with it)."""

#: The most addresses one "send to sub-group" takes.
MAX_RECIPIENTS = 50
#: The longest covering note, in characters.
NOTE_MAX = 2000
