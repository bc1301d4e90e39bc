"""``cvmreview version``: the package and engine versions, and which engine runs.

Deployments otherwise cannot tell whether they run the compiled engine (the package build's
mypyc modules) or the pure-Python one at about half the speed (an editable install, a pure build
or a build without a C compiler); the health endpoint says the same.
"""

from __future__ import annotations

import platform
import sys
from importlib.metadata import version as package_version

import click

from app.cli import cli


@cli.command("version")
def version() -> None:
    """Print versions and whether the engine runs compiled (mypyc) or pure Python."""
    from app.analysis.compiled import engine_build
    from app.analysis.document import ENGINE_VERSION, SCHEMA_VERSION

    build = engine_build()
    click.echo(f"cvmreview {package_version('cvmreview')}")
    click.echo(f"engine {ENGINE_VERSION}, result schema {SCHEMA_VERSION}")
    click.echo(f"python {platform.python_version()} ({sys.executable})")
    count = len(build.compiled_modules)
    click.echo(f"engine build: {build.kind}" + (f" (mypyc), {count} modules:" if count else ""))
    for module in build.compiled_modules:
        click.echo(f"  {module}")
