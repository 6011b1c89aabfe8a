"""Log filter that removes known secret shapes from every record before it is written."""

import logging
import re

_PATTERNS = [
    (
        re.compile(r"(?i)(access_token|refresh_token|api[-_]?key|partner_key|sign|key|code|password)=([^&\s\"']+)"),
        r"\1=***",
    ),
    (
        re.compile(r"(?i)(\"(?:access_token|refresh_token|api_key|partner_key|code|password)\"\s*:\s*\")[^\"]*\""),
        r"\1***\"",
    ),
    (re.compile(r"(?i)(Api-Key:\s*)\S+"), r"\1***"),
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
        return True
