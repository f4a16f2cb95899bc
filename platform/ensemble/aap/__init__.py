"""Joint answers to calls for projects (appels à projets): a lead centre and its
partners co-write one dossier — sections in the Cerfa 12156 order, a budget in
the association chart of accounts — then the lead submits it to the funder."""

# Registers the cooperation figures wherever the capability is loaded.
# Queues the pre-rendering of a dossier after each change (see prerender.py).
from ensemble.aap import (
    prerender,  # noqa: E402, F401
    providers,  # noqa: E402, F401
)
