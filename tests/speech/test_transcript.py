"""Speaker attribution, utterance grouping and utterance clip spans (pure rules)."""

from __future__ import annotations

import pytest

from emocurate.speech.transcript import (
    SpeakerSpan,
    Word,
    assign_speakers,
    group_utterances,
    utterance_spans,
)

TURNS = [SpeakerSpan(0.0, 2.0, "A"), SpeakerSpan(2.5, 5.0, "B")]


def test_word_takes_the_turn_it_overlaps_most():
    words = [
        Word(0.1, 0.5, "hi"),
        Word(1.9, 2.9, "well"),
        Word(2.2, 2.9, "so"),
        Word(4.0, 4.5, "ok"),
    ]
    assert assign_speakers(words, TURNS) == ["A", "B", "B", "B"]


def test_word_outside_turns_takes_nearest_within_limit():
    words = [Word(5.3, 5.6, "late"), Word(9.0, 9.2, "far")]
    assert assign_speakers(words, TURNS, max_distance=1.0) == ["B", None]
    assert assign_speakers(words, [], max_distance=1.0) == [None, None]


def test_utterances_split_on_speaker_pause_and_length():
    words = [
        Word(0.0, 0.4, "a", speaker="A"),
        Word(0.5, 0.9, "b", speaker="A"),
        Word(1.0, 1.3, "c", speaker="B"),  # speaker change
        Word(3.0, 3.2, "d", speaker="B"),  # pause 1.7 s
        Word(3.3, 3.6, "e", speaker="B"),
    ]
    groups = group_utterances(words, max_pause=1.0, max_duration=15.0)
    assert [(g.speaker, g.text) for g in groups] == [("A", "a b"), ("B", "c"), ("B", "d e")]
    assert (groups[2].start, groups[2].end) == (3.0, 3.6)
    long = [Word(i * 1.0, i * 1.0 + 0.8, f"w{i}", speaker="A") for i in range(10)]
    pieces = group_utterances(long, max_pause=1.0, max_duration=4.0)
    assert all(p.end - p.start <= 4.0 for p in pieces)
    assert sum(len(p.words) for p in pieces) == 10  # cut at word boundaries, nothing lost


def test_spans_merge_short_same_speaker_turns_and_drop_tiny_ones():
    utterances = [
        (0.0, 0.6, "A"),  # short, merged with the next A turn (gap 0.3 s)
        (0.9, 2.5, "A"),
        (3.0, 3.4, "B"),  # short, no B neighbour: dropped
        (4.0, 7.0, "A"),
    ]
    spans = utterance_spans(
        utterances, 10.0, min_duration=1.0, max_duration=15.0, padding=0.0, merge_gap=0.5
    )
    assert [(s.start, s.end, s.segment_index, s.speaker) for s in spans] == [
        (0.0, 2.5, 0, "A"),
        (4.0, 7.0, 3, "A"),
    ]


def test_spans_do_not_merge_other_speakers_or_past_max_duration():
    utterances = [(0.0, 0.8, "A"), (1.0, 3.0, "B"), (3.2, 3.6, "B"), (3.8, 9.0, "B")]
    spans = utterance_spans(
        utterances, 10.0, min_duration=1.0, max_duration=5.0, padding=0.0, merge_gap=0.5
    )
    # A is alone and short: dropped. B's short turn merges with the previous B turn;
    # the long B turn would exceed 5 s when merged, so it stays separate.
    assert [(s.start, s.end) for s in spans] == [(1.0, 3.6), (3.8, 9.0)]


def test_padding_stops_midway_to_the_neighbour_and_at_the_video_edges():
    utterances = [(0.1, 2.0, "A"), (2.2, 4.0, "B"), (6.0, 9.9, "A")]
    spans = utterance_spans(
        utterances, 10.0, min_duration=1.0, max_duration=15.0, padding=0.5, merge_gap=0.5
    )
    assert [(round(s.start, 3), round(s.end, 3)) for s in spans] == [
        (0.0, 2.1),
        (2.1, 4.5),
        (5.5, 10.0),
    ]
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start


@pytest.mark.parametrize("utterances", [[], [(0.0, 0.2, "A")]])
def test_no_usable_utterance_gives_no_span(utterances):
    assert (
        utterance_spans(
            utterances, 1.0, min_duration=1.0, max_duration=15.0, padding=0.2, merge_gap=0.5
        )
        == []
    )
