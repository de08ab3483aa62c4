from typing import Any

from django.http import HttpRequest

from assessments.models import Notification


def workspace(request: HttpRequest) -> dict[str, Any]:
    """What the header shows a logged-in user: unread notifications, the reviewer's queue.

    Public pages get nothing, and ``request.user`` is not touched there: reading it loads the
    session, which would make the page vary by cookie and spoil shared caching.
    """
    if getattr(request, "public_page", False):
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": lambda: Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count(),
        "is_reviewer": lambda: user.is_staff or user.reviewer_assignments.exists(),
    }
