"""parallel.balanced_map is map(), whatever the second process does (issue 17)."""

from __future__ import annotations

import os
import sys

import pytest

from linkcheck.parallel import balanced_map


def _slow_square_and_pid(x):
    import time

    time.sleep(0.002 * (x % 3))
    return x * x, os.getpid()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 10, 101])
@pytest.mark.parametrize("parallel", [True, False])
def test_balanced_results_come_in_the_order_of_the_items(count, parallel):
    got = list(balanced_map(_slow_square_and_pid, range(count), parallel=parallel))
    assert [value for value, _pid in got] == [x * x for x in range(count)]
    if not parallel:
        assert all(pid == os.getpid() for _value, pid in got)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux only")
def test_balanced_items_are_computed_in_both_processes():
    pids = {pid for _value, pid in balanced_map(_slow_square_and_pid, range(60))}
    assert os.getpid() in pids and len(pids) == 2


@pytest.mark.parametrize("bad", [0, 1, 3, 9])
def test_a_balanced_item_that_fails_fails_here_with_its_own_error(bad):
    def func(x):
        if x == bad:
            raise ValueError(f"item {bad} is bad")
        return x

    results = balanced_map(func, range(12))
    assert [next(results) for _ in range(bad)] == list(range(bad))
    with pytest.raises(ValueError, match=f"item {bad} is bad"):
        next(results)


def test_balanced_items_that_do_not_pickle_are_computed_here():
    items = [lambda: 1, lambda: 2, lambda: 3, lambda: 4]
    assert list(balanced_map(lambda f: f() * 10, items)) == [10, 20, 30, 40]
    mixed = [1, 2, (lambda: 3), 4, 5, 6]
    assert list(balanced_map(lambda x: x() if callable(x) else x, mixed)) == [1, 2, 3, 4, 5, 6]


def test_a_balanced_child_that_dies_leaves_the_rest_to_this_process():
    def func(x):
        if os.getpid() != parent:
            os._exit(9)  # the child dies at its first item, without a word
        return x + 100

    parent = os.getpid()
    assert list(balanced_map(func, range(9))) == [100 + x for x in range(9)]


def test_closing_the_balanced_map_stops_its_child():
    import threading

    before = threading.active_count()
    results = balanced_map(_slow_square_and_pid, range(1000))
    assert next(results)[0] == 0
    results.close()
    assert threading.active_count() == before


def test_results_wait_for_the_child_only_so_long():
    """This process holds at most `held` results behind one of the child's."""
    import time

    def func(x):
        if os.getpid() != parent and x == 0:
            time.sleep(0.5)  # the child's first item is slow
        return x

    parent = os.getpid()
    got = []
    for x in balanced_map(func, range(40), held=4):
        got.append(x)
    assert got == list(range(40))
