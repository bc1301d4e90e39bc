"""Compile the engine's hot modules with mypyc into .native/ (see app/analysis/native.py).

Run by ``make install``; safe to run again (it rebuilds only when a source changed). Prints one
line. If compilation fails the engine still works in pure Python, so this exits 0 with a warning
unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.analysis import native  # noqa: E402


def up_to_date() -> bool:
    try:
        stamp = json.loads(native.STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = {m: native.source_digest(m) for m in native.NATIVE_MODULES}
    return stamp.get("sources") == expected and stamp.get("python") == native.python_tag()


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    sources = [str(native.source_path(m)) for m in native.NATIVE_MODULES]
    digests = {m: native.source_digest(m) for m in native.NATIVE_MODULES}
    with tempfile.TemporaryDirectory() as tmp:
        build_lib, build_temp = Path(tmp) / "lib", Path(tmp) / "temp"
        config = Path(tmp) / "mypy.ini"
        config.write_text("[mypy]\nignore_missing_imports = True\n", encoding="utf-8")
        # Work in the temp dir: mypyc writes its C sources under build/ there, and setup() must
        # not read the project's own pyproject.toml.
        previous = os.getcwd()
        os.chdir(tmp)
        try:
            extensions = mypycify(["--config-file", str(config), *sources], opt_level="3")
            setup(
                name="cvmreview-native",
                ext_modules=extensions,
                script_args=[
                    "-q",
                    "build_ext",
                    "--build-lib",
                    str(build_lib),
                    "--build-temp",
                    str(build_temp),
                ],
            )
        finally:
            os.chdir(previous)
        shutil.rmtree(native.NATIVE_DIR, ignore_errors=True)
        native.NATIVE_DIR.mkdir(parents=True)
        files: dict[str, str] = {}
        for built in build_lib.rglob("*.so"):
            relative = built.relative_to(build_lib)
            target = native.NATIVE_DIR / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
            name = ".".join(relative.with_suffix("").with_suffix("").parts)
            files[name] = str(relative)
    stamp = {"python": native.python_tag(), "sources": digests, "files": files}
    native.STAMP.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail when compilation fails")
    args = parser.parse_args()
    if up_to_date():
        print("native engine modules: up to date")
        return
    try:
        build()
    except Exception as exc:  # the pure-Python engine still works; say why and move on
        if args.strict:
            raise
        print(f"warning: native engine modules not built ({exc}); using pure Python")
        return
    print(f"native engine modules: compiled {len(native.NATIVE_MODULES)} modules into .native/")


if __name__ == "__main__":
    main()
