"""The stack's settings: isoapp.settings as production runs it, and nothing else, except that
the SMTP backend is given the test mail server's address from DJANGO_EMAIL_HOST/PORT when
isoapp.settings does not pass it on itself.

TODO(issue 10): once isoapp.settings reads DJANGO_EMAIL_HOST and DJANGO_EMAIL_PORT (the
production settings part of issue 10), this adds nothing: delete it, and DJANGO_SETTINGS_MODULE
and PYTHONPATH from stack.py's stack_settings().
"""

import os

from isoapp.settings import *  # noqa: F403
from isoapp.settings import MAILERS

_mailer = MAILERS["default"]
if _mailer["BACKEND"].endswith("smtp.EmailBackend") and "OPTIONS" not in _mailer:
    _mailer["OPTIONS"] = {
        "host": os.environ["DJANGO_EMAIL_HOST"],
        "port": int(os.environ["DJANGO_EMAIL_PORT"]),
        "use_tls": False,
        "timeout": 10,
    }
