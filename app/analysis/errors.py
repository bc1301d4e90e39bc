"""One root exception for the analysis engine, like pyelftools' ``ELFError``.

Callers (CLI, workers, API) catch ``AnalysisError`` and show its message; anything else escaping
the engine is a bug.
"""


class AnalysisError(Exception):
    """Base class of every error the engine raises on purpose."""


class InputError(AnalysisError):
    """The input cannot be analysed at all (unreadable, empty, corrupt gzip, not a log)."""


class FirmwareError(AnalysisError):
    """A firmware image or metadata document cannot be read at all."""


class WorkloadError(AnalysisError):
    """A synthesizer workload declaration is invalid."""
