"""Background work of the awards app (Django tasks API; django-tasks-db runs it in production)."""

from __future__ import annotations

from django.tasks import task

from awards.models import CertificateBatch


@task
def build_certificates(batch_id: int) -> int:
    """Issue and pack a period's certificates; returns how many certificates the batch holds."""
    from awards.services import run_batch

    batch = CertificateBatch.objects.select_related("period", "requested_by").get(pk=batch_id)
    return run_batch(batch=batch).total
