"""Fan-out of benchmark work over lanes x jobs: in this process, or on a Dask cluster.

The work has two stages: ``prepare(lane)`` once per lane (e.g. simulate it), then
``evaluate(prepared, job)`` once per job on that lane (e.g. run a detector with one parameter
set and score it). On Dask the second stage depends on the first through futures, so each
lane is prepared once, wherever the scheduler puts it, and its result travels to the jobs that
need it; nothing assumes a shared file system, so the same code runs on a local cluster or a
remote one (``tcp://HOST:PORT``). Results come back in job order whatever order the workers
finish in, so a run with 1 worker and a run with N workers give identical results.

References
----------
.. [1] Dask.distributed documentation, "Futures" and "LocalCluster"
   (https://distributed.dask.org).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from detsig.errors import DetsigError, JobError, UsageError

__all__ = ["Executor", "fan_out"]

L = TypeVar("L")
P = TypeVar("P")
J = TypeVar("J")
R = TypeVar("R")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Executor:
    """Where work runs.

    Parameters
    ----------
    workers : int
        Worker processes of a local Dask cluster (one thread each); 1 runs everything in this
        process, synchronously, without Dask.
    scheduler : str or None
        Address of an existing Dask scheduler (``tcp://HOST:PORT``); overrides ``workers``.
    connect_timeout_s : float
        How long to try reaching ``scheduler``.
    """

    workers: int = 2
    scheduler: str | None = None
    connect_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.scheduler is None and self.workers < 1:
            raise UsageError(
                f"the number of worker processes must be at least 1, got {self.workers}",
                parameter="workers",
            )

    def describe(self) -> str:
        """One phrase for reports.

        Returns
        -------
        str
            E.g. ``"1 process (in-process, no Dask)"`` or the Dask cluster used.
        """
        if self.scheduler is not None:
            return f"the Dask cluster at {self.scheduler}"
        if self.workers == 1:
            return "1 process (in-process, no Dask)"
        return f"a local Dask cluster of {self.workers} worker processes"


class _Plan(Generic[L, J]):
    def __init__(self, lanes: Sequence[L], jobs: Sequence[tuple[int, J]]) -> None:
        self.lanes = list(lanes)
        self.jobs = list(jobs)
        for lane_index, _ in self.jobs:
            if not 0 <= lane_index < len(self.lanes):
                raise ValueError(f"job refers to lane {lane_index}, there are {len(self.lanes)}")


def fan_out(
    prepare: Callable[[L], P],
    evaluate: Callable[[P, J], R],
    lanes: Sequence[L],
    jobs: Sequence[tuple[int, J]],
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> list[R]:
    """Prepare every lane, evaluate every job, and return the results in job order.

    Parameters
    ----------
    prepare : callable
        ``prepare(lane) -> prepared``; must be picklable (a module-level function or a
        frozen dataclass instance) for Dask workers.
    evaluate : callable
        ``evaluate(prepared, job) -> result``; picklable too, and its result.
    lanes : sequence
        The lanes (picklable).
    jobs : sequence of (int, job)
        Each job with the index of the lane it runs on.
    executor : Executor, optional
        Where to run (default: a local cluster of 2 workers).
    progress : callable, optional
        ``progress(n_done, n_total)`` called in this process as jobs finish.

    Returns
    -------
    list
        ``evaluate`` results, in the order of ``jobs``.

    Raises
    ------
    DetsigError
        Re-raised as is when a task raises one (bad scenario, unknown detector ...).
    JobError
        A task failed otherwise, or the cluster could not be reached.

    Examples
    --------
    >>> def square(x):
    ...     return x * x
    >>> def add(prepared, job):
    ...     return prepared + job
    >>> fan_out(square, add, [2, 3], [(0, 1), (1, 10), (0, 100)], Executor(workers=1))
    [5, 19, 104]
    """
    executor = Executor() if executor is None else executor
    plan: _Plan[L, J] = _Plan(lanes, jobs)
    if executor.scheduler is None and executor.workers == 1:
        return _run_serial(prepare, evaluate, plan, progress)
    return _run_dask(prepare, evaluate, plan, executor, progress)


def _run_serial(
    prepare: Callable[[L], P],
    evaluate: Callable[[P, J], R],
    plan: _Plan[L, J],
    progress: Progress | None,
) -> list[R]:
    prepared: dict[int, P] = {}
    results: list[R] = []
    total = len(plan.jobs)
    for done, (lane_index, job) in enumerate(plan.jobs, start=1):
        if lane_index not in prepared:
            prepared[lane_index] = prepare(plan.lanes[lane_index])
        results.append(evaluate(prepared[lane_index], job))
        if progress is not None:
            progress(done, total)
    return results


def _run_dask(
    prepare: Callable[[L], P],
    evaluate: Callable[[P, J], R],
    plan: _Plan[L, J],
    executor: Executor,
    progress: Progress | None,
) -> list[R]:
    from distributed import Client, LocalCluster

    if executor.scheduler is not None:
        try:
            client = Client(executor.scheduler, timeout=f"{executor.connect_timeout_s}s")
        except (OSError, TimeoutError) as error:
            raise JobError(
                f"cannot reach the Dask scheduler at {executor.scheduler} ({error}); check the "
                "address and that 'dask scheduler' is running there"
            ) from None
        with client:
            return _submit(client, prepare, evaluate, plan, progress)
    with (
        LocalCluster(
            n_workers=executor.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        return _submit(client, prepare, evaluate, plan, progress)


def _submit(
    client: Any,
    prepare: Callable[[L], P],
    evaluate: Callable[[P, J], R],
    plan: _Plan[L, J],
    progress: Progress | None,
) -> list[R]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:12]
    needed = sorted({lane_index for lane_index, _ in plan.jobs})
    lane_futures = {
        index: client.submit(prepare, plan.lanes[index], key=f"prepare-{index}-{token}")
        for index in needed
    }
    futures = [
        client.submit(evaluate, lane_futures[lane_index], job, key=f"evaluate-{n}-{token}")
        for n, (lane_index, job) in enumerate(plan.jobs)
    ]
    position = {future.key: n for n, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    total = len(futures)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            results[position[future.key]] = _result(future)
            if progress is not None:
                progress(done, total)
    finally:
        client.cancel([*futures, *lane_futures.values()])
    return results


def _result(future: Any) -> Any:
    try:
        return future.result()
    except DetsigError:
        raise
    except Exception as error:
        name = type(error).__name__
        raise JobError(f"a benchmark task failed on a Dask worker ({name}: {error})") from error
