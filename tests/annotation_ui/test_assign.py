"""Assignment rule: exactly k distinct annotators per clip, balanced, gold to everyone."""

from __future__ import annotations

from collections import Counter

import pytest

from emocurate.annotation_ui.assign import assign
from emocurate.errors import UsageError

CLIPS = [f"clip{i:03d}" for i in range(100)]
PEOPLE = ["a", "b", "c", "d", "e"]


def _by_clip(pairs):
    out: dict[str, set[str]] = {}
    for clip, who, _ in pairs:
        out.setdefault(clip, set()).add(who)
    return out


def test_each_clip_gets_exactly_k_distinct_annotators_balanced():
    new = assign(CLIPS, PEOPLE, 3, {})
    by_clip = _by_clip(new)
    assert (
        len(new) == 300
        and all(len(v) == 3 for v in by_clip.values())
        and set(by_clip) == set(CLIPS)
    )
    load = Counter(who for _, who, _ in new)
    assert max(load.values()) - min(load.values()) <= 1  # 300 / 5 = 60 each


def test_deterministic_and_resumable():
    assert assign(CLIPS, PEOPLE, 2, {}) == assign(CLIPS, list(reversed(PEOPLE)), 2, {})
    first = assign(CLIPS[:40], PEOPLE, 2, {})
    again = assign(CLIPS[:40], PEOPLE, 2, _by_clip(first))
    assert again == []  # nothing new for clips already assigned
    more = assign(CLIPS, PEOPLE, 2, _by_clip(first))
    assert {c for c, _, _ in more} == set(CLIPS[40:])


def test_gold_goes_to_everyone_including_later_annotators():
    new = assign(CLIPS[:10], PEOPLE[:3], 2, {}, gold=["clip000"])
    assert _by_clip(new)["clip000"] == {"a", "b", "c"}
    assert all(g == (c == "clip000") for c, _, g in new)
    later = assign(CLIPS[:10], PEOPLE, 2, _by_clip(new), gold=["clip000"])
    assert sorted((c, w) for c, w, _ in later) == [("clip000", "d"), ("clip000", "e")]


def test_raising_overlap_tops_up_without_reassigning():
    first = assign(CLIPS[:20], PEOPLE, 2, {})
    top = assign(CLIPS[:20], PEOPLE, 3, _by_clip(first))
    merged = _by_clip(first + top)
    assert all(len(v) == 3 for v in merged.values())
    assert all(_by_clip(first)[c] <= merged[c] for c in merged)


def test_too_few_annotators_is_a_usage_error():
    with pytest.raises(UsageError, match="add-annotator"):
        assign(CLIPS, ["a", "b"], 3, {})
    with pytest.raises(UsageError):
        assign(CLIPS, PEOPLE, 0, {})
