"""Where the shared reference material lives: ``../shared/reference`` beside the repository.

CI lays a copy of ``shared/`` beside the clone, as on a developer machine; ``AUDITOR_SHARED``
points elsewhere when needed.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("AUDITOR_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REST_EXAMPLES = SHARED / "reference" / "azure-rest-examples"
POLICY_CORPUS = Path(os.environ.get("AUDITOR_POLICY_CORPUS", SHARED / "reference" / "policy-corpus"))
