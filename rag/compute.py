"""One thread for this process's heavy numeric work: torch encodes and llama.cpp token steps.

torch and llama.cpp each keep an OpenMP thread team per calling thread. When encodes and generations run on
different threads, their teams fight over the cores. Measured on two cores: a one-query encode from a pool
of request threads takes about 20 ms instead of 13 ms (`make bench`, section 2, last table), and a 64-token
SmolLM2 answer after encodes on another thread took 3.1 s instead of 1.0 s (a one-off measurement). On one
thread both run at full speed, and they are serialised, which costs little: each already uses every core.
A streamed generation runs here one token at a time, so the encodes of other questions slip in between
tokens instead of waiting for a whole answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quelle-compute")
_here = threading.local()


def _marked(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    _here.on_lane = True
    return fn(*args, **kwargs)


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call fn on the compute thread and wait for its result (directly, when already on it)."""
    if getattr(_here, "on_lane", False):
        return fn(*args, **kwargs)
    return _lane.submit(_marked, fn, args, kwargs).result()
