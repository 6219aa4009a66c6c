"""EventBatcher: paths added without a pause come out as one batch once the project is quiet."""

from __future__ import annotations

import threading
from pathlib import PurePosixPath

from maestro_watch.watch.batcher import Batch, EventBatcher

HANDLER = PurePosixPath("lambdas/requester.py")
DEFINITION = PurePosixPath("definition.asl.json")
WAIT_S = 10.0


class BatchRecorder:
    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.arrived = threading.Semaphore(0)

    def __call__(self, batch: Batch) -> None:
        self.batches.append(batch)
        self.arrived.release()


def test_batcher_joins_paths_added_without_pause() -> None:
    recorder = BatchRecorder()
    # A quiet period far longer than the loop below takes, so that it cannot close between adds.
    batcher = EventBatcher(recorder, debounce_ms=300)
    batcher.start()
    try:
        for _ in range(10):
            batcher.add([HANDLER])
        batcher.add([DEFINITION])

        assert recorder.arrived.acquire(timeout=WAIT_S)
        assert recorder.batches == [Batch(frozenset({HANDLER, DEFINITION}))]
        assert batcher.batch_count == 1
    finally:
        batcher.stop()


def test_batcher_passes_full_rescan_flag() -> None:
    recorder = BatchRecorder()
    batcher = EventBatcher(recorder, debounce_ms=20)
    batcher.start()
    try:
        batcher.add([], full_rescan=True)

        assert recorder.arrived.acquire(timeout=WAIT_S)
        assert recorder.batches == [Batch(frozenset(), full_rescan=True)]
    finally:
        batcher.stop()


def test_batcher_closes_batch_at_max_wait() -> None:
    recorder = BatchRecorder()
    # Paths arrive every 10 ms, so the 200 ms quiet period never comes and the maximum wait
    # closes the batch.
    batcher = EventBatcher(recorder, debounce_ms=200, max_wait_ms=400)
    batcher.start()
    try:
        closed = False
        for _ in range(1000):
            batcher.add([HANDLER])
            if recorder.arrived.acquire(timeout=0.01):
                closed = True
                break

        assert closed
        assert recorder.batches[0].paths == {HANDLER}
    finally:
        batcher.stop()


def test_batcher_survives_failing_consumer() -> None:
    recorder = BatchRecorder()
    calls = 0

    def fail_once(batch: Batch) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("consumer failed")
        recorder(batch)

    batcher = EventBatcher(fail_once, debounce_ms=20)
    batcher.start()
    try:
        batcher.add([HANDLER])
        assert batcher_drained(batcher)
        batcher.add([DEFINITION])

        assert recorder.arrived.acquire(timeout=WAIT_S)
        assert recorder.batches == [Batch(frozenset({DEFINITION}))]
        assert calls == 2
    finally:
        batcher.stop()


def test_batcher_stop_drops_open_batch_and_joins() -> None:
    recorder = BatchRecorder()
    batcher = EventBatcher(recorder, debounce_ms=60_000)
    batcher.start()
    batcher.add([HANDLER])

    batcher.stop(timeout_s=WAIT_S)

    assert not any(thread.name == "maestro-watch-batcher" for thread in threading.enumerate())
    assert recorder.batches == []


def batcher_drained(batcher: EventBatcher) -> bool:
    done = threading.Event()
    for _ in range(1000):
        if not batcher.has_pending:
            return True
        done.wait(0.01)
    return False
