from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """200 {"status":"ok","database":"ok"}; 503 with the reason when the database fails."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure is reported, not raised
        # The kind of failure only: the message may name hosts, users or paths.
        return JsonResponse(
            {"status": "error", "database": "unreachable", "reason": type(exc).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})
