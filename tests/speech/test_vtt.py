"""WebVTT for annotators: cues in clip time, speaker voices, escaping."""

from __future__ import annotations

from emocurate.speech.transcript import Word
from emocurate.speech.vtt import cues, render, timestamp

WORDS = [
    Word(10.0, 10.4, "Hello", speaker="SPEAKER_00"),
    Word(10.5, 10.9, "there.", speaker="SPEAKER_00"),
    Word(11.0, 11.3, "Hi", speaker="SPEAKER_01"),
    Word(13.0, 13.5, "<again>", speaker="SPEAKER_01"),
    Word(30.0, 30.5, "outside", speaker="SPEAKER_00"),
]


def test_timestamp_format():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3723.4567) == "01:02:03.457"


def test_cues_are_in_clip_time_and_split_on_speaker_and_pause():
    got = cues(WORDS, clip_start=9.5, clip_end=14.0)
    assert [(round(s, 3), round(e, 3), spk, text) for s, e, spk, text in got] == [
        (0.5, 1.4, "SPEAKER_00", "Hello there."),
        (1.5, 1.8, "SPEAKER_01", "Hi"),
        (3.5, 4.0, "SPEAKER_01", "<again>"),
    ]


def test_words_crossing_the_clip_edge_are_clamped():
    got = cues(WORDS, clip_start=10.2, clip_end=10.6)
    assert got[0][0] == 0.0 and abs(got[0][1] - 0.4) < 1e-9


def test_long_cues_are_split_for_reading():
    words = [Word(i * 0.3, i * 0.3 + 0.25, "word", speaker="A") for i in range(40)]
    got = cues(words, 0.0, 20.0, max_chars=30, max_seconds=5.0)
    assert len(got) > 1
    assert all(len(text) <= 30 and e - s <= 5.0 for s, e, _, text in got)
    assert sum(len(text.split()) for *_, text in got) == 40


def test_render_is_valid_webvtt_with_voices_and_escaping():
    text = render(cues(WORDS, 9.5, 14.0))
    assert text.startswith("WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.400\n<v SPEAKER_00>Hello there.")
    assert "&lt;again&gt;" in text and "<again>" not in text
    assert render([]) == "WEBVTT\n"
