from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app (no models): it connects the security and audit logging."""

    name = "hanoi_ict"
    verbose_name = "Hanoi IT application ranking"

    def ready(self) -> None:
        from hanoi_ict import signals  # noqa: F401  (connects the receivers)
