from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Awards")

    def ready(self) -> None:
        from awards.selectors import public_awards_token
        from rankings import public

        # Awards confirmed after publication change the public pages: key their caches on it.
        if public_awards_token not in public.STATE_SOURCES:
            public.STATE_SOURCES.append(public_awards_token)
