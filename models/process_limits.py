"""Resource limits a child process sets on itself before it touches hostile bytes: shared by the
contained parsing of uploads (`worker.contained_extraction`) and the rendering of page images
(`models.page_images`), which the API runs and so cannot import from the worker."""

from __future__ import annotations

import resource

_MIB = 1024 * 1024


def limit_this_process(memory_mb: int, cpu_s: int, file_bytes: int) -> None:
    """Address space, CPU time, size of any file written (stdout to a file included), no core dumps.

    Set by the child itself, first thing: `preexec_fn` is unsafe in a parent with threads."""
    memory = memory_mb * _MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit, SIGKILL a little later should the signal be ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
