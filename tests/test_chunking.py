"""Windows cover every token, overlap by the stride, and give each token exactly one owner."""

from __future__ import annotations

import itertools

import pytest

from worker.chunking import plan_windows, window_ownership


@pytest.mark.parametrize(
    ("tokens", "capacity", "stride"), [(0, 10, 2), (5, 10, 2), (10, 10, 2), (11, 10, 2), (1000, 126, 32), (97, 8, 3)]
)
def test_windows_cover_every_token_once_owned(tokens: int, capacity: int, stride: int) -> None:
    windows = plan_windows(tokens, capacity, stride)
    owned = window_ownership(windows)

    assert all(end - start <= capacity for start, end in windows)
    assert [t for start, end in owned for t in range(start, end)] == list(range(tokens))
    for (start, end), (own_start, own_end) in zip(windows, owned, strict=True):
        assert start <= own_start <= own_end <= end


def test_consecutive_windows_overlap_by_the_stride() -> None:
    windows = plan_windows(1000, 126, 32)

    assert windows[0] == (0, 126)
    assert all(prev[1] - nxt[0] == 32 for prev, nxt in itertools.pairwise(windows) if nxt[1] < 1000)
    assert windows[-1][1] == 1000


def test_a_token_is_owned_by_the_window_where_it_has_most_context() -> None:
    windows = [(0, 100), (68, 168)]
    owned = window_ownership(windows)

    assert owned == [(0, 84), (84, 168)]


def test_stride_must_leave_room_for_new_tokens() -> None:
    with pytest.raises(ValueError):
        plan_windows(100, 10, 10)
