"""Actions of a centre and what they are made of: sessions planned in the
shared calendar, attendance recorded on a phone after each session (counts by
the catalogue's breakdowns, or registered participants ticked), volunteers
present and their hours. Registered participants are personal data: the centre
only sees them, every read and change is audited, and a periodic task
anonymises them once their retention ends.
"""

# Registers the home panel and the navigation section wherever the capability is loaded.
from ensemble.activity import providers  # noqa: E402, F401
