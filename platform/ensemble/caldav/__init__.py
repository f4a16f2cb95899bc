"""CalDAV (RFC 4791) for the shared calendars: phones and desktop calendars
read and write a person's calendar, and a centre's directors read the
centre's, signed in with app passwords (one per device, revocable).

Ensemble serves its own DAV subset instead of Radicale: Radicale's storage
plugin can only refuse a write with a bare 400 (no precondition, no reason the
phone can show) and runs its own locking and request cycle outside the
request's transaction and tenant context. Every write here goes through the
agenda's operations (ensemble.agenda.objects) in the request's transaction,
under the person's row-level security. What the subset covers is listed in the
README (section « Synchronisation CalDAV »).
"""
