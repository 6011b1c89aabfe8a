"""Log filter that removes known secret shapes from every record before it is written.

Covered: secrets in query strings and form bodies (`key=`, `access_token=`, `sign=` …), in JSON bodies, in the
Api-Key header, and keys in URL paths: a WeCom robot key or an Ozon Api-Key (both UUID-shaped) as a path segment,
and whatever follows `/_messages/` (the WeCom simulator's message pages). The record's message and its traceback
text are both cleaned, so runserver's access log, django.request's warnings ("Not Found: /...") and errors with
their traceback carry no key. gunicorn's access and error logs go through the same `redact` (core.gunicorn).
"""

import logging
import re

MASK = "***"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_PATTERNS = [
    (
        re.compile(r"(?i)(access_token|refresh_token|api[-_]?key|partner_key|sign|key|code|password)=([^&\s\"']+)"),
        rf"\1={MASK}",
    ),
    (
        re.compile(r"(?i)(\"(?:access_token|refresh_token|api_key|partner_key|code|password)\"\s*:\s*\")[^\"]*\""),
        rf"\1{MASK}\"",
    ),
    (re.compile(r"(?i)(Api-Key:\s*)\S+"), rf"\1{MASK}"),
    (re.compile(r"(?i)(Authorization:\s*\w+\s+)\S+"), rf"\1{MASK}"),
    # keys in URL paths: the message pages of a robot, and any UUID-shaped path segment (robot keys, Api-Keys)
    (re.compile(r"(/_messages/)[^/\s?#\"']+"), rf"\1{MASK}"),
    (re.compile(rf"(?<=/){_UUID}(?=[/?#\s\"']|$)"), MASK),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # the formatter would render the traceback after this filter ran; render it here, cleaned
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
