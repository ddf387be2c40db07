"""Log filters."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (403, 404: someone asked for what they may not have) is one line in the
    log, not a traceback; server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
