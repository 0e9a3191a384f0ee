"""Worker processes for the CPU-bound analysis (redaction, classification).

:mod:`~gateway.workers.pool` is the process pool, :mod:`~gateway.workers.tasks` what a worker
runs, :mod:`~gateway.workers.offload` the gateway process's side. Nothing is imported here:
``gardefou serve`` reads :func:`~gateway.workers.pool.limit_library_threads` before any model
library loads.
"""
