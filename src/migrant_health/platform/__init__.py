"""The information platform of seed section 4.3: ``migrant-health serve``.

A web application (FastAPI, server-rendered pages, a JSON API under ``/api/``) where analysts of
a province or city load their own survey waves, follow integration and health indicators over
time against other regions, and explore the simulation's scenarios, without anyone seeing
microdata that is not theirs. ``docs/platform.md`` describes set-up, roles and privacy rules.

Typical use::

    from migrant_health.platform import Settings, create_app, init_platform

    settings = Settings.from_data_dir("platform-data")
    init_platform(settings, admin_password="...")
    app = create_app(settings)          # an ASGI application (uvicorn serves it)
"""

from migrant_health.platform.app import create_app
from migrant_health.platform.database import init_platform
from migrant_health.platform.settings import Settings

__all__ = ["Settings", "create_app", "init_platform"]
