"""Keep API keys and other secrets (webhook signing secrets, presigned-URL signatures) out of every log line.

Keys reach logs mostly through URLs: uvicorn's access log prints the query string, and curl users
and older playground builds put the key there (?key=). A filter on the server's loggers and on
their handlers rewrites each record before it is formatted: the values of key-like query
parameters, Bearer tokens, x-goog-api-key headers and anything shaped like an openreel key
(ork_...) become REDACTED. It must be installed after uvicorn has configured logging (uvicorn
replaces handlers when it starts), so create_app installs it in the lifespan.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from openreel.auth import KEY_PREFIX

REDACTED = "REDACTED"
# Logger filters see records logged on that logger; handler filters also see records that
# propagate up from child loggers (openreel.worker, uvicorn.error's children, ...).
SERVER_LOGGERS = ("", "openreel", "uvicorn", "uvicorn.error", "uvicorn.access")

_PATTERNS = (
    # ?key=..., &api_key=..., &access_token=... (Google's clients accept all three spellings), and
    # the generic ?token= and Azure SAS ?sig= of URLs that reach a log (webhook targets, downloads).
    re.compile(r"(?i)([?&;](?:key|api[_-]?key|access_token|token|sig)=)[^&#\s\"']+"),
    re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"),
    re.compile(r"(?i)(x-goog-api-key[\"']?\s*[:=,]\s*[\"']?)[^\s\"',;}]+"),
    # Our own keys wherever they appear. Not preceded by a letter or digit, so "work_dir" survives.
    re.compile(rf"(?<![A-Za-z0-9])({re.escape(KEY_PREFIX)})[A-Za-z0-9_-]+"),
    # Standard Webhooks signing secrets (whsec_ + base64).
    re.compile(r"(?<![A-Za-z0-9])(whsec_)[A-Za-z0-9+/=_-]+"),
    # Presigned URLs: S3's (SigV4 and V2) and Google Cloud Storage's signatures and credentials.
    re.compile(r"(?i)([?&;](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|"
               r"x-goog-credential|signature)=)[^&#\s\"']+"),
)


# Every pattern above needs one of these words: most lines (a poll's access line) have none,
# and one search is far cheaper than the four substitutions.
_MAYBE_SECRET = re.compile(rf"(?i)key|bearer|token|whsec_|sig|credential|{re.escape(KEY_PREFIX)}")
# Set on a record once filtered: the logger's filter and its handlers' see the same record.
_DONE = "_openreel_redacted"


def redact(text: str) -> str:
    """`text` with every secret replaced by REDACTED (idempotent)."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, arguments and traceback text; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, False):
            return True
        setattr(record, _DONE, True)
        # A template with arguments is left alone: redacting "?key=%s" would eat its placeholder
        # and break formatting (logging would then print the raw arguments to stderr). Its
        # arguments are redacted instead, and the formatted message is checked below.
        if isinstance(record.msg, str) and not record.args:
            record.msg = redact(record.msg)
        # String arguments are redacted in place, so formatters that unpack record.args
        # (uvicorn's access formatter does) keep working.
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        self._flatten_if_still_secret(record)
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the redacted traceback is what prints.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True

    @staticmethod
    def _flatten_if_still_secret(record: logging.LogRecord) -> None:
        # A non-string argument (an exception, a URL object), or a key written into the template
        # itself, can still print a key: then the record becomes its redacted, formatted text.
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself when formatting
            return
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None


def install_log_redaction(logger_names: tuple[str, ...] = SERVER_LOGGERS) -> None:
    """Attach RedactSecrets to these loggers, to their current handlers and to logging's
    last-resort handler (used when nothing is configured). Calling it again adds nothing."""
    targets: list[logging.Filterer] = []
    for name in logger_names:
        logger = logging.getLogger(name)
        targets += [logger, *logger.handlers]
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not any(isinstance(f, RedactSecrets) for f in target.filters):
            target.addFilter(RedactSecrets())
