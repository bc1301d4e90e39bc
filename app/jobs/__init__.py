"""Analysis jobs: lease-based state on ``analysis_runs`` rows, embedded or Celery workers."""
