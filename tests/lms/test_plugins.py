"""The plugin loader, proven with the small plugins in ``sample_plugins``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from lms import create_app, plugins, signals
from lms.testing import csrf_token

from .conftest import html_of, sample_entry_points
from .sample_plugins import HEARD


def loaded(app) -> list[str]:
    return list(app.extensions["lms"].plugins)


def test_all_installed_load_in_requirement_order(app_config):
    app = create_app(app_config, plugins=sample_entry_points("beta", "gamma", "alpha"))
    assert loaded(app) == ["alpha", "beta", "gamma"]


def test_plugins_setting_chooses_and_requires_orders(app_config):
    installed = sample_entry_points("alpha", "beta", "gamma")
    app = create_app({**app_config, "LMS_PLUGINS": "beta, alpha"}, plugins=installed)
    assert loaded(app) == ["alpha", "beta"]
    only = create_app({**app_config, "LMS_PLUGINS": "gamma"}, plugins=installed)
    assert loaded(only) == ["gamma"]


def test_no_plugins_installed_core_runs(app_config):
    app = create_app(app_config, plugins={})
    assert loaded(app) == []
    assert app.test_client().get("/").status_code == 200


@pytest.mark.parametrize(
    ("installed", "setting", "message"),
    [
        (("alpha",), "alpha,zeta", r"unknown plugin 'zeta' in LMS_PLUGINS \(installed: alpha\)"),
        (("alpha",), "alpha, alpha", r"plugin 'alpha' is listed twice"),
        (("broken",), "", r"plugin 'broken' failed to load: RuntimeError\('this plugin is broken"),
        (("missing_module",), "", r"plugin 'missing_module' failed to load: ModuleNotFoundError"),
        (("needs_ghost",), "", r"plugin 'needs_ghost' requires 'ghost', which is not enabled"),
        (("alpha", "beta"), "beta", r"plugin 'beta' requires 'alpha', which is not enabled"),
        (("cycle_one", "cycle_two"), "", r"cycle: cycle_one -> cycle_two -> cycle_one"),
        (("bad_blueprint",), "", r"plugin 'bad_blueprint': blueprint 'elsewhere' must start"),
        (("bad_url",), "", r"plugin 'bad_url': URL prefix of blueprint bad_url '/somewhere'"),
        (("bad_permission",), "", r"plugin 'bad_permission': permission 'courses:course:edit'"),
        (("bad_cli",), "", r"plugin 'bad_cli': CLI group must be named 'bad_cli'"),
        (("misnamed",), "", r"plugin 'misnamed' calls itself 'somebody_else'"),
        (("not_a_plugin",), "", r"plugin 'not_a_plugin' is not an lms.plugins.Plugin"),
    ],
)
def test_wrong_plugins_stop_start_up(app_config, installed, setting, message):
    with pytest.raises(plugins.PluginError, match=message):
        create_app({**app_config, "LMS_PLUGINS": setting}, plugins=sample_entry_points(*installed))


def test_unprefixed_table_stops_start_up(app_config):
    # In a separate interpreter: the offending model must not join this suite's metadata.
    code = (
        "import sys\n"
        "from lms import create_app\n"
        "from lms.plugins import PluginError\n"
        "from tests.lms.conftest import sample_entry_points\n"
        "try:\n"
        f"    create_app({app_config!r}, plugins=sample_entry_points('bad_table'))\n"
        "except PluginError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 3, result.stderr
    assert "plugin 'bad_table': table 'unprefixed_thing' must start with 'bad_table_'" in (
        result.stdout
    )


def test_same_name_installed_twice(monkeypatch):
    twins = [
        EntryPoint(name="alpha", value="one.place:alpha", group=plugins.GROUP),
        EntryPoint(name="alpha", value="other.place:alpha", group=plugins.GROUP),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: twins)
    with pytest.raises(plugins.PluginError, match="plugin 'alpha' is installed twice"):
        plugins.available()


@pytest.fixture()
def on_and_off(app, make_app):
    """The same installed plugins; alpha enabled in one app, disabled in the other."""
    installed = sample_entry_points("alpha", "gamma")
    app_on = make_app({"LMS_PLUGINS": "alpha,gamma"}, plugins=installed)
    app_off = make_app({"LMS_PLUGINS": "gamma"}, plugins=installed)
    HEARD.clear()
    yield app_on, app_off
    HEARD.clear()


def test_enabled_plugin_contributes_routes_menu_slots_permissions(on_and_off):
    app_on, _ = on_and_off
    client = app_on.test_client()
    assert client.get("/alpha/").get_data(as_text=True) == "alpha index"
    home = html_of(client.get("/"))
    assert '<a href="/alpha/">Alpha</a>' in home
    assert '<p class="alpha-slot">Alpha says hello</p>' in home
    assert "alpha:secret:view" in app_on.extensions["lms"].permissions.names()
    # The menu is ordered: Home (0), Alpha (50), gamma's item (100).
    menu = [item.endpoint for item in app_on.extensions["lms"].menu]
    assert menu.index("lms.home") < menu.index("alpha.alpha_index") < menu.index("admin.index")


def test_plugin_permission_is_enforced(on_and_off, make_user, login):
    app_on, _ = on_and_off
    learner_client = login(make_user(), app_on.test_client())
    assert learner_client.get("/alpha/secret").status_code == 403
    tutor_client = login(make_user(roles=("learner", "tutor")), app_on.test_client())
    assert tutor_client.get("/alpha/secret").get_data(as_text=True) == "alpha secret"


def test_disabled_plugin_leaves_no_trace(on_and_off):
    _, app_off = on_and_off
    assert not [r.rule for r in app_off.url_map.iter_rules() if r.rule.startswith("/alpha")]
    assert not any(name.startswith("alpha") for name in app_off.blueprints)
    client = app_off.test_client()
    assert client.get("/alpha/").status_code == 404
    home = html_of(client.get("/"))
    assert "Alpha" not in home
    assert "alpha:secret:view" not in app_off.extensions["lms"].permissions.names()
    assert "alpha" not in app_off.cli.commands


def test_disabled_plugin_hears_no_signal(on_and_off):
    app_on, app_off = on_and_off

    def register(application, email):
        client = application.test_client()
        response = client.post(
            "/account/register",
            data={
                "display_name": "Signal Person",
                "email": email,
                "password": "a long enough password",
                "confirm": "a long enough password",
                "csrf_token": csrf_token(client, "/account/register"),
            },
        )
        assert response.status_code == 302

    register(app_off, "off@example.org")
    signals.user_registered.send(app_off, user_id=999, email="x@example.org", display_name="X")
    assert HEARD == []
    register(app_on, "on@example.org")
    assert len(HEARD) == 1
    assert HEARD[0][0] is app_on


def test_cli_lists_plugins_and_adds_groups(app_config):
    app = create_app(app_config, plugins=sample_entry_points("alpha", "beta"))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["lms", "plugins"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["alpha 1.2.3", "beta 0.9  (requires alpha)"]
    hello = runner.invoke(args=["alpha", "hello"])
    assert hello.output == "hello from alpha\n"


def test_cli_without_plugins(app_config):
    app = create_app(app_config, plugins={})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lms", "plugins"])
    assert result.output == "no plugins loaded\n"
