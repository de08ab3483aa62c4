"""The REST API's resources of the assessments app, and what every resource of the API shares.

- ``common``: the error shape, pagination, CSV exports, the base of the public resources;
- ``tokens``: ``POST /api/v1/auth/token/`` for machines, throttled;
- ``submissions``: an officer's own submissions and answers, a reviewer's appraisal;
- ``values``: posted values checked by the pages' forms, the services' refusals as API errors.
"""

from assessments.api.common import exception_handler

__all__ = ["exception_handler"]
