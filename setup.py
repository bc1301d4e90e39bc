"""The package build: mypyc-compiled engine modules and the web resources, inside the wheel.

Everything else about the package is declared in ``pyproject.toml``; this file exists only for
the two things a declarative setuptools configuration cannot do.

1. Compiled engine. ``build_ext`` compiles the modules listed under
   ``[tool.cvmreview.build] compiled-modules`` in ``pyproject.toml`` (the one list; all inside
   ``app/analysis``) with mypyc, so ``pip install .``, the wheel and the Docker image run the
   compiled engine (about twice as fast). The ``.py`` sources ship beside the extensions, which
   the import system prefers. A listed module that does not exist fails the build: a list that
   silently compiles nothing would ship the slow engine unnoticed. The engine stays pure Python
   (with a warning in the build output) when

   - ``CVMREVIEW_PURE_PYTHON=1`` is set at build time (platforms without a C compiler),
   - mypyc or the C compiler fails: the install then still succeeds, pure,
   - the install is editable (``pip install -e``, ``make install``): an extension module next
     to its source in the checkout would shadow every later edit of that source, so developers
     always run the code they see. ``cvmreview version`` says which engine runs.

   mypyc runs when ``build_ext`` starts rather than at the top of this file, so the metadata steps
   pip runs first (``egg_info``, ``dist_info``) do not compile anything.

2. Resources. The guide keeps ``templates/``, ``static/``, ``migrations/`` and ``alembic.ini``
   at the top of the repository, outside the ``app`` package. ``build_py`` copies them into
   ``app/_resources/`` of the build, so they are package data found through the package
   (``app/resources.py``), never through the working directory. In a checkout (and an editable
   install) ``app/_resources`` does not exist and ``app.resources`` uses the top-level
   directories themselves.

``build`` starts from an empty build directory, so a module that moved or was removed cannot
linger in ``build/lib`` and reach a wheel.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from setuptools import Distribution, Extension, setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations", "alembic.ini")
RESOURCE_PACKAGE = Path("app") / "_resources"
COMPILED_PACKAGE = "app.analysis"


def warn(message: str) -> None:
    print(f"warning: cvmreview: {message}", file=sys.stderr)


def compiled_modules() -> list[str]:
    """The engine modules to compile, from pyproject.toml; a listed module that is missing or
    outside app/analysis stops the build."""
    config = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    modules: list[str] = config["tool"]["cvmreview"]["build"]["compiled-modules"]
    for module in modules:
        if not module.startswith(COMPILED_PACKAGE + "."):
            raise SystemExit(f"cvmreview: compiled module {module} is outside {COMPILED_PACKAGE}")
        if not module_source(module).is_file():
            raise SystemExit(
                f"cvmreview: compiled module {module} listed in pyproject.toml "
                f"[tool.cvmreview.build] has no source {module_source(module)}"
            )
    return modules


def module_source(module: str) -> Path:
    return Path(*module.split(".")).with_suffix(".py")


def pure_requested() -> bool:
    return os.environ.get("CVMREVIEW_PURE_PYTHON", "") not in ("", "0")


class CvmreviewDistribution(Distribution):
    """Has extension modules unless a pure build was asked for, so the wheel is tagged for the
    platform exactly when it may contain compiled code."""

    def has_ext_modules(self) -> bool:
        return not pure_requested()


class CleanBuild(build):
    def run(self) -> None:
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()


class BuildPyWithResources(build_py):
    """Also copies the top-level resources into app/_resources/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level directories in place
        target = Path(self.build_lib) / RESOURCE_PACKAGE
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in RESOURCES:
            source = HERE / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source, target / name, ignore=ignore)
            else:
                shutil.copy2(source, target / name)


class BuildMypyc(build_ext):
    """Compiles the engine modules with mypyc, or leaves the engine pure with a warning."""

    def finalize_options(self) -> None:
        # setuptools prepares the extensions while finalizing, so they must exist by then.
        self.distribution.ext_modules = self.engine_extensions()
        super().finalize_options()

    def engine_extensions(self) -> list[Extension]:
        modules = compiled_modules()  # checked even when nothing is compiled
        if getattr(self, "editable_mode", False) or self.inplace:
            print("cvmreview: editable install, the engine stays pure Python (see setup.py)")
            return []
        if pure_requested():
            warn("CVMREVIEW_PURE_PYTHON is set: the engine stays pure Python")
            return []
        try:
            return mypyc_extensions(modules)
        except (Exception, SystemExit) as exc:  # mypy errors exit; no mypyc raises ImportError
            warn(f"mypyc could not compile the engine ({exc!r}); it stays pure Python")
            return []

    def build_extensions(self) -> None:
        try:
            super().build_extensions()
        except Exception as exc:  # no C compiler, missing headers, a compiler error
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.extensions = []
            warn(f"the C compiler failed ({exc}); the engine stays pure Python")


def mypyc_extensions(modules: list[str]) -> list[Extension]:
    from mypyc.build import mypycify

    with tempfile.TemporaryDirectory() as tmp:
        # mypyc type-checks what it compiles; third-party stubs are not in the build
        # environment, so this does not use the project's own (stricter) mypy settings.
        config = Path(tmp) / "mypy.ini"
        config.write_text("[mypy]\nignore_missing_imports = True\n", encoding="utf-8")
        sources = [str(module_source(module)) for module in modules]
        return list(
            mypycify(
                ["--config-file", str(config), *sources],
                opt_level="3",
                group_name="cvmreview_engine",
            )
        )


os.chdir(HERE)  # mypyc derives module names from paths relative to the project
setup(
    distclass=CvmreviewDistribution,
    cmdclass={"build": CleanBuild, "build_py": BuildPyWithResources, "build_ext": BuildMypyc},
)
