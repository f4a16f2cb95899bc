"""Federation reporting: yearly declarations, coherence checks, imports, and the
consolidation of network aggregates by Celery workers (set-based SQL)."""
