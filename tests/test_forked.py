"""Work shared with a forked child: the same results, in order, whatever the child does."""

from __future__ import annotations

import os

import pytest

from gitops_gen import forked


def test_halves_balance_the_sizes() -> None:
    mine, theirs = forked.halves([10, 1, 1, 1, 9, 2, 6])
    assert sorted(mine + theirs) == list(range(7))
    assert abs(sum([10, 1, 1, 1, 9, 2, 6][i] for i in mine) - sum([10, 1, 1, 1, 9, 2, 6][i] for i in theirs)) <= 1


def test_halves_keep_a_group_together_and_balance_the_groups() -> None:
    sizes, groups = [10, 1, 1, 1, 9, 2, 6], [0, 1, 2, 0, 4, 5, 4]
    mine, theirs = forked.halves(sizes, groups)
    assert sorted(mine + theirs) == list(range(7))
    for group in set(groups):
        held = [i for i, g in enumerate(groups) if g == group]
        assert set(held) <= set(mine) or set(held) <= set(theirs)
    assert abs(sum(sizes[i] for i in mine) - sum(sizes[i] for i in theirs)) <= 2


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_a_child_does_half_and_the_results_keep_their_order() -> None:
    parent, calls = os.getpid(), []
    results = forked.split(list(range(20)), [1] * 20, lambda i: (i * i, os.getpid()), min_total=1, jobs=2,
                           then=lambda: calls.append(os.getpid()))
    assert [value for value, _ in results] == [i * i for i in range(20)]
    assert {pid for _, pid in results} - {parent}  # some came from the child
    assert calls == [parent]  # once, here


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_a_failing_child_leaves_the_work_to_this_process() -> None:
    parent = os.getpid()

    def work(i: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return i + 1

    assert forked.split(list(range(10)), [1] * 10, work, min_total=1, jobs=2) == list(range(1, 11))


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_a_child_that_dies_leaves_the_work_to_this_process() -> None:
    parent = os.getpid()

    def work(i: int) -> int:
        if os.getpid() != parent:
            os._exit(3)
        return -i

    assert forked.split(list(range(6)), [1] * 6, work, min_total=1, jobs=2) == [0, -1, -2, -3, -4, -5]


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_what_the_child_leaves_is_handed_over_with_its_results() -> None:
    parent, in_child, done = os.getpid(), [False], []  # type: tuple[int, list[bool], list[int]]
    taken: list[tuple[bool, list[int], int]] = []

    def work(i: int) -> int:
        done.append(i)
        return i

    handover = forked.Handover(lambda: in_child.__setitem__(0, True), lambda: (in_child[0], done, os.getpid()),
                               taken.append)
    assert forked.split(list(range(8)), [1] * 8, work, min_total=1, jobs=2, handover=handover) == list(range(8))
    [(started, theirs, pid)] = taken  # once, from the child, after its work
    assert started and pid != parent and theirs and sorted(theirs + done) == list(range(8))
    assert in_child == [False]  # start ran in the child only


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_a_failing_child_hands_nothing_over() -> None:
    parent, taken = os.getpid(), []  # type: tuple[int, list[object]]

    def work(i: int) -> int:
        if os.getpid() != parent and i == 7:
            raise RuntimeError("the child fails after some work")
        return i

    handover = forked.Handover(lambda: None, lambda: "left", taken.append)
    assert forked.split(list(range(8)), [1] * 8, work, min_total=1, jobs=2, handover=handover) == list(range(8))
    assert taken == []


def test_small_or_single_core_work_is_not_forked() -> None:
    parent = os.getpid()
    for jobs, total in ((1, 1), (2, 10**9)):
        results = forked.split(list(range(4)), [1] * 4, lambda _: os.getpid(), min_total=total, jobs=jobs)
        assert results == [parent] * 4


def test_young_collections_leave_the_old_generations_alone_and_restore_the_thresholds() -> None:
    import gc

    from gitops_gen.forked import young_collections

    before = gc.get_threshold()
    with young_collections():
        first, second, third = gc.get_threshold()
        assert first == before[0] and second > 10**6 and third > 10**6
        with pytest.raises(ValueError), young_collections():
            raise ValueError  # restored on the way out, whatever happens
        assert gc.get_threshold() == (first, second, third)
    assert gc.get_threshold() == before


def test_frozen_leaves_what_is_held_out_of_collections_and_a_callers_freeze_alone() -> None:
    import gc

    from gitops_gen.workers import frozen

    assert gc.get_freeze_count() == 0
    held = [{"kept": i} for i in range(100)]
    with frozen():
        assert gc.get_freeze_count() >= len(held)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # the calling program's own
    try:
        count = gc.get_freeze_count()
        with frozen():
            assert gc.get_freeze_count() == count
        assert gc.get_freeze_count() == count
    finally:
        gc.unfreeze()
