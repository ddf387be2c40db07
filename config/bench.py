"""The benchmark floor (bench/run_bench.py): mounted only when XINYUAN_BENCH=1.

One indexed SELECT (a contact by its unique public id) and a tiny JSON answer, through the
same middleware stack as every other request: what the server costs before any app work.
"""

from uuid import UUID

from django.http import JsonResponse

from xinyuan.hotline.models import Contact


def bench_floor(request):
    try:
        public_id = UUID(request.GET.get("id", ""))
    except ValueError:
        return JsonResponse({"detail": "id must be a UUID"}, status=400)
    versions = list(Contact.objects.filter(public_id=public_id).values_list("version", flat=True))
    return JsonResponse({"found": bool(versions), "version": versions[0] if versions else None})
