"""The shape of the package: which app may import which (DESIGN.md, "Packages").

Layers, bottom up: codat (plain package) · core · onboarding · pushes · mapping · bills · payments ·
insights · runs, recurring, inbound; sandbox stands apart. A lower app that must reach a higher one offers a hook the higher one
fills in its AppConfig.ready() (`onboarding.hooks`, `mapping.hooks`, `bills.sync_hooks`,
`payments.hooks`).
`python -m tests.core.import_graph` prints the graph.
"""

import textwrap

import pytest

from tests.core.import_graph import (
    PROJECT,
    Graph,
    app_graph,
    app_of,
    collect_imports,
    describe_cycles,
    find_cycles,
)


@pytest.fixture(scope="module")
def imports():
    return collect_imports()


@pytest.fixture(scope="module")
def graph(imports) -> Graph:
    return app_graph(imports)


def _sites(graph: Graph, source: str, targets) -> str:
    return "\n".join(
        f"  {source} -> {t}: {imp.where()}" for t in sorted(targets) for imp in graph[source][t]
    )


def test_no_cycle_between_apps(graph):
    cycles = find_cycles(graph)

    assert not cycles, "apps import each other in a circle:\n" + describe_cycles(graph, cycles)


def test_core_imports_no_other_app(graph):
    above = set(graph["core"]) - {"codat"}  # codat is a plain package below everything

    assert not above, "core is the bottom layer:\n" + _sites(graph, "core", above)


def test_codat_imports_no_other_billpay_package_and_no_django_model(imports):
    wrong = [
        imp.where()
        for imp in imports
        if app_of(imp.source) == "codat"
        and (
            app_of(imp.target) not in (None, "codat")
            or "models" in imp.target.split(".")
            or imp.target.startswith("django.contrib")
        )
    ]

    assert not wrong, "codat is a plain package:\n" + "\n".join(wrong)


def test_the_sandbox_is_apart_from_the_app(graph):
    out = set(graph["sandbox"])
    into = {app for app, edges in graph.items() if "sandbox" in edges and app != PROJECT}

    assert not out, "the sandbox imports the app:\n" + _sites(graph, "sandbox", out)
    assert not into, "the app imports the sandbox:\n" + "\n".join(
        _sites(graph, app, {"sandbox"}) for app in sorted(into)
    )


def test_runs_sits_above_payments_and_nothing_imports_it(graph):
    """Pay runs use payments, bills and mapping; those reach runs only through hooks
    (`payments.hooks`) and URLs (the inbox posts to the runs app's create view)."""
    importers = sorted(
        app for app, edges in graph.items() if "runs" in edges and app not in (PROJECT, "runs")
    )

    assert {"payments", "bills", "mapping"} <= set(graph["runs"])
    assert not importers, "runs is the top layer:\n" + "\n".join(
        _sites(graph, app, {"runs"}) for app in importers
    )


def test_recurring_sits_above_bills_and_payments_and_nothing_imports_it(graph):
    """Recurring bills make bills and payments through those apps' services; bills reaches them
    only through its synced hook (`bills.sync_hooks`), registered in RecurringConfig.ready()."""
    importers = sorted(
        app
        for app, edges in graph.items()
        if "recurring" in edges and app not in (PROJECT, "recurring")
    )

    assert {"bills", "payments"} <= set(graph["recurring"])
    assert not importers, "recurring is a top layer:\n" + "\n".join(
        _sites(graph, app, {"recurring"}) for app in importers
    )


def test_inbound_sits_above_bills_and_nothing_imports_it(graph):
    """E-invoices in make bills, credit notes and suppliers through the bills app's forms and
    services; nothing below knows drafts exist."""
    importers = sorted(
        app
        for app, edges in graph.items()
        if "inbound" in edges and app not in (PROJECT, "inbound")
    )

    assert "bills" in graph["inbound"]
    assert not importers, "inbound is a top layer:\n" + "\n".join(
        _sites(graph, app, {"inbound"}) for app in importers
    )


def test_no_app_imports_the_project_modules(graph):
    importers = sorted(app for app, edges in graph.items() if PROJECT in edges and app != PROJECT)

    assert not importers, "settings come through django.conf:\n" + "\n".join(
        _sites(graph, app, {PROJECT}) for app in importers
    )


def test_only_the_project_urls_and_pay_runs_import_insights(graph):
    """insights reads every app and is the top layer: only the URLs (and pay runs' overdraw
    check, through `insights.forecast`) may import it."""
    importers = {app for app, edges in graph.items() if "insights" in edges}

    assert importers <= {PROJECT, "runs", "insights"}, "insights is the top layer:\n" + "\n".join(
        _sites(graph, app, {"insights"}) for app in sorted(importers - {PROJECT, "runs"})
    )


def test_services_do_not_import_their_own_apps_tasks(imports):
    """Within an app, tasks import services and never the reverse: a step says when to come back
    and its task schedules that. (Starting another app's work, e.g. a push, is a call down.)"""
    back = [
        imp.where()
        for imp in imports
        if "services" in imp.source.split(".")
        and "tasks" in imp.target.split(".")
        and app_of(imp.target) == app_of(imp.source)
    ]

    assert not back, "services import their own tasks:\n" + "\n".join(back)


# --- the graph builder itself ---------------------------------------------------------------------


def _package(tmp_path, files: dict[str, str]):
    for name, text in {"billpay/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return collect_imports(tmp_path)


def test_the_builder_counts_function_level_imports_but_not_type_checking_ones(tmp_path):
    imports = _package(
        tmp_path,
        {
            "billpay/a/__init__.py": "",
            "billpay/a/views.py": """
                import typing
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from billpay.b.models import Hidden
                if typing.TYPE_CHECKING:
                    import billpay.c
                else:
                    import billpay.d

                def view():
                    from billpay.e import services
            """,
            "billpay/b/__init__.py": "",
            "billpay/e/__init__.py": "",
            "billpay/e/services.py": "",
        },
    )

    graph = app_graph(imports)

    assert set(graph["a"]) == {"d", "e"}
    assert [imp.target for imp in graph["a"]["e"]] == ["billpay.e.services"]


def test_the_builder_resolves_relative_imports_and_skips_migrations(tmp_path):
    imports = _package(
        tmp_path,
        {
            "billpay/a/__init__.py": "from . import models\n",
            "billpay/a/models.py": "from ..b.models import Thing\n",
            "billpay/a/migrations/0001_initial.py": "from billpay.c import models\n",
            "billpay/b/__init__.py": "",
            "billpay/b/models.py": "",
        },
    )

    assert {(i.source, i.target) for i in imports} == {
        ("billpay.a", "billpay.a.models"),
        ("billpay.a.models", "billpay.b.models"),
    }


def test_the_project_modules_collapse_to_one_node():
    assert app_of("billpay") == app_of("billpay.settings") == app_of("billpay.celery") == PROJECT
    assert app_of("billpay.bills.services.sync") == "bills"
    assert app_of("django.db.models") is None


def test_a_cycle_is_reported_as_its_path():
    graph = {"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}

    assert find_cycles(graph) == [["a", "b", "c", "a"]]
