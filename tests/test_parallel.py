"""The second process of the two-process parses: results, failures, progress, early exit."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from flamekit.importers import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")


def test_the_child_result_comes_back():
    with parallel.Beside(lambda report: {"pid": os.getpid(), "arr": np.arange(5)}) as child:
        mine = os.getpid()
        result = child.join()
    assert result["pid"] != mine
    assert result["arr"].tolist() == [0, 1, 2, 3, 4]


def test_a_failing_child_is_failed_not_an_error_here():
    def work(report):
        raise RuntimeError("the child's own trouble")

    with parallel.Beside(work) as child:
        assert child.join() is parallel.FAILED


def test_progress_is_read_here():
    def work(report):
        report(1234)
        return "done"

    with parallel.Beside(work) as child:
        assert child.join() == "done"
        assert child.progress() == 1234


def test_leaving_early_stops_the_child():
    with parallel.Beside(lambda report: time.sleep(60)) as child:
        pid = child._pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no such child any more
