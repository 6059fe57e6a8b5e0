"""Label Studio results -> rows: frames to seconds, skipped and empty annotations kept."""

from __future__ import annotations

import pytest

from emocurate.annotation_ui.pull import _fields, _hash


def test_timeline_frames_become_clip_seconds():
    ranges = [{"start": 26, "end": 50}, {"start": 1, "end": 1}]
    value = {"ranges": ranges, "timelinelabels": ["hesitancy"]}
    ann = {"result": [{"from_name": "segments", "type": "timelinelabels", "value": value}]}
    rows = list(_fields(ann, fps=25.0))
    assert [(r["value"], r["segment_start"], r["segment_end"]) for r in rows] == [
        ("hesitancy", 1.0, 2.0), ("hesitancy", 0.0, pytest.approx(0.04))]  # fmt: skip


def test_choices_ratings_and_text():
    ann = {"result": [
        {"from_name": "emotion", "type": "choices", "value": {"choices": ["sad"]}},
        {"from_name": "unsure", "type": "choices", "value": {"choices": ["unsure"]}},
        {"from_name": "valence", "type": "choices", "value": {"choices": ["7"]}},
        {"from_name": "caption", "type": "textarea", "value": {"text": ["frowns", "looks away"]}},
    ]}  # fmt: skip
    rows = {r["field"]: r for r in _fields(ann, 25.0)}
    assert rows["emotion"]["value"] == "sad" and rows["emotion"]["value_num"] is None
    assert rows["valence"]["value_num"] == 7.0
    assert rows["caption"]["value"] == "frowns\nlooks away"


def test_skipped_and_empty_annotations_are_kept_as_rows():
    assert list(_fields({"was_cancelled": True, "result": []}, 25.0)) == [
        {"field": "_skipped", "value": "true"}
    ]
    assert list(_fields({"result": []}, 25.0)) == [{"field": "_empty", "value": ""}]


def test_version_hash_follows_content_not_timestamps():
    a = {"result": [{"value": {"choices": ["sad"]}}], "updated_at": "2026-01-01T00:00:00Z"}
    b = {**a, "updated_at": "2026-02-01T00:00:00Z"}
    c = {"result": [{"value": {"choices": ["happy"]}}]}
    assert _hash(a) == _hash(b) != _hash(c)
    assert _hash({**a, "was_cancelled": True}) != _hash(a)
