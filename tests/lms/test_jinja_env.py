"""The platform's Jinja environment (lms.jinja_env): templates' globals with set-like keys."""

from __future__ import annotations

from jinja2 import DictLoader

from lms.jinja_env import LmsEnvironment


def test_the_app_uses_it(app):
    assert isinstance(app.jinja_env, LmsEnvironment)


def test_imports_see_the_globals_of_the_moment(app):
    env = app.jinja_env.overlay(loader=DictLoader({
        "m.html": "{% macro hello() %}{{ greeting }}{% endmacro %}",
        "page.html": '{% from "m.html" import hello %}{{ hello() }}|{{ greeting }}',
    }), cache_size=0)
    env.globals["greeting"] = "hi"
    page = env.get_template("page.html")
    assert page.render() == "hi|hi"
    env.globals["greeting"] = "hello"
    assert page.render() == "hello|hello"
    # A template's own globals come first and are part of its keys.
    own = env.get_template("page.html", globals={"greeting": "hey"})
    assert own.globals["greeting"] == "hey"
    assert set(own.globals.keys()) == set(env.globals) | {"greeting"}


def test_an_import_with_new_globals_still_gets_its_own_module(app):
    """Jinja's rule is kept: a context with globals the imported template lacks
    renders a module of its own (it must see them)."""
    env = app.jinja_env.overlay(loader=DictLoader({
        "m.html": "{% macro who() %}{{ name }}{% endmacro %}",
        "page.html": '{% from "m.html" import who %}{{ who() }}',
    }), cache_size=0)
    assert env.get_template("page.html", globals={"name": "Ann"}).render() == "Ann"


def test_a_context_reads_its_globals_keys_when_asked(app):
    """Contexts do not copy their globals' keys when made (most never import), and give
    the keys of the moment when an import asks."""
    env = app.jinja_env.overlay(loader=DictLoader({"page.html": "x"}), cache_size=0)
    page = env.get_template("page.html", globals={"own": 1})
    context = page.new_context()
    assert context.globals_keys == set(env.globals) | {"own"}
    env.globals["later"] = 2
    assert "later" in context.globals_keys
    assert page.new_context(shared=True).globals_keys == set(env.globals) | {"own"}
