"""The analysis engine: pure Python (no web, database or queue imports), used offline by the CLI
and by the service's workers. ``report.analyze`` is the entry point.

An installed cvmreview runs the hot modules compiled with mypyc (built with the package,
``setup.py``); ``compiled.py`` says which ones run compiled.
"""
