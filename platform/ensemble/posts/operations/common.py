"""What the operations on shared posts share: the parties a post can have, the
source name of hand-entered hours, and the refusal they raise."""

from __future__ import annotations

from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre, Employer

Tenant = Centre | Employer
MANUAL = "manual"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class PostError(Refusal):
    """A refusal to show the user, attached to a form field when there is one."""
