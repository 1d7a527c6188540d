"""Flask extension instances, created unbound and initialised by the factory."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def form_email_key() -> str:
    """Rate-limit key for "per account" limits: the email typed into the form."""
    return "account:" + request.form.get("email", "").strip().lower()


@migrate.configure
def _version_locations(config):
    """Point Alembic at the core's and every loaded plugin's revision folders."""
    import os

    from flask import current_app

    dirs = current_app.extensions["lms"].migration_dirs
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(dirs))
    return config
