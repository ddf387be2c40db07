"""A refused request is one line in the server log; a server error keeps its traceback."""

import logging

from django.test import SimpleTestCase

from xinyuan.core.logging import ClientErrorsWithoutTraceback


def record_for(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        import sys

        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, "x", 1, "Forbidden", (), info)
    record.status_code = status
    return record


class LogFilterTests(SimpleTestCase):
    def test_a_403_loses_its_traceback_a_500_keeps_it(self):
        keep = ClientErrorsWithoutTraceback()
        forbidden, failed = record_for(403), record_for(500)
        self.assertTrue(keep.filter(forbidden))
        self.assertIsNone(forbidden.exc_info)
        self.assertTrue(keep.filter(failed))
        self.assertIsNotNone(failed.exc_info)
        self.assertNotIn("Traceback", logging.Formatter().format(forbidden))
