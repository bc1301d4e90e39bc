"""The analysis engine: pure Python (no web, database or queue imports), used offline by the CLI
and by the service's workers. ``report.analyze`` is the entry point.

Importing the package switches to the compiled copies of the hot modules when a fresh build
exists (``native.py``); otherwise everything runs as plain Python.
"""

from app.analysis import native

native.enable()
