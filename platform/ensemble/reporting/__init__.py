"""Federation reporting: yearly declarations, coherence checks, imports, and the
consolidation of network aggregates by Celery workers (set-based SQL)."""

# Registers the catalogue's sectors wherever the capability is loaded.
from ensemble.reporting import providers  # noqa: E402, F401
