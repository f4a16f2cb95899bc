"""Shared posts (postes mutualisés): one post, several parties, its agreed
shares, the legal documents of a mise à disposition, the time worked for each
party and the monthly cost statements re-invoiced at real cost."""

# Registers the hours source, the shares provider and the cooperation figures
# wherever the capability is loaded (web, workers, reporting).
from ensemble.posts import providers  # noqa: E402, F401
