"""Safety decisions logged for review: enough to find the pattern (the category, the layer and
rule, the project, the start of the text and its SHA-256 to group repeats), never the whole
prompt. Blocks are WARNING, let-through-for-review INFO."""

from __future__ import annotations

import hashlib
import logging

from openreel.safety.categories import Action
from openreel.safety.prompts import Finding

log = logging.getLogger("openreel.safety")

EXCERPT_CHARS = 100  # as the seed guide logs a blocked prompt: its first 100 characters


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS] + "…"


def log_finding(stage: str, field: str, finding: Finding, project: str | None, text: str | None = None,
                operation: str | None = None) -> None:
    level = logging.WARNING if finding.action is Action.BLOCK else logging.INFO
    quoted = "" if text is None else f" sha256={hashlib.sha256(text.encode()).hexdigest()[:16]} text={excerpt(text)!r}"
    log.log(level, "safety %s: stage=%s field=%s category=%s code=%s layer=%s evidence=%s project=%s%s%s",
            finding.action, stage, field, finding.category, finding.support_code, finding.layer, finding.evidence,
            project or "-", f" operation={operation}" if operation else "", quoted)
