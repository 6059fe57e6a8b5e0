"""The speech stages end to end through the runner, on real speech (offline default models)."""

from __future__ import annotations

import pytest

from emocurate import pipelines, runner

from .conftest import ARCTIC_TEXT, JFK_TEXT, SPEECH_PIPELINE, wer

pytestmark = pytest.mark.slow

#: demo_interview.mp4 (media README): speaker A inside 0-11 s, speaker B from 12.5 s.
DEMO_CHANGE = 12.5


def test_run_has_no_rejects(speech_run):
    assert speech_run.summary.rejects == []
    assert speech_run.sql("select count(*) from rejects")[0][0] == 0


@pytest.mark.parametrize(
    ("name", "text"), [("jfk", JFK_TEXT), ("arctic", ARCTIC_TEXT), ("stereo48k", JFK_TEXT)]
)
def test_word_error_rate_with_default_model(speech_run, name, text):
    words = speech_run.sql(
        "select word from words where video_id = ? order by word_index", speech_run.ids[name]
    )
    hypothesis = " ".join(w for (w,) in words)
    assert wer(text, hypothesis) <= 0.10, hypothesis


def test_demo_has_two_speakers_and_change_near_truth(speech_run):
    vid = speech_run.ids["demo"]
    turns = speech_run.sql(
        'select speaker, start, "end" from speaker_turns where video_id = ? order by start', vid
    )
    assert {t[0] for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    first_b = min(t[1] for t in turns if t[0] == "SPEAKER_01")
    last_a = max(t[2] for t in turns if t[0] == "SPEAKER_00")
    assert abs(first_b - DEMO_CHANGE) <= 0.5
    assert last_a < first_b


def test_demo_words_belong_to_the_right_speaker(speech_run):
    vid = speech_run.ids["demo"]
    words = speech_run.sql(
        'select word, start, "end", speaker from words where video_id = ? order by start', vid
    )
    assert len(words) >= 25
    assert all(w[3] is not None for w in words)
    first = words[0][3]
    a_words = [w for w in words if w[3] == first]
    b_words = [w for w in words if w[3] != first]
    assert a_words and b_words
    assert max(w[2] for w in a_words) < 11.5
    assert min(w[1] for w in b_words) > 11.5
    assert wer(JFK_TEXT, " ".join(w[0] for w in a_words)) <= 0.10
    assert wer(ARCTIC_TEXT, " ".join(w[0] for w in b_words)) <= 0.10


def test_demo_utterances_are_speaker_turns(speech_run):
    vid = speech_run.ids["demo"]
    rows = speech_run.sql(
        'select utterance_id, speaker, start, "end", text, language, n_words '
        "from utterances where video_id = ? order by start",
        vid,
    )
    assert [r[0] for r in rows] == [f"{vid}_u{i:04d}" for i in range(len(rows))]
    assert all(r[5] == "en" for r in rows)
    speakers = [r[1] for r in rows]
    assert speakers[0] != speakers[-1]
    # Speakers alternate once: A's utterances first, then B's.
    assert speakers == sorted(speakers)
    b_text = " ".join(r[4] for r in rows if r[1] == speakers[-1])
    assert wer(ARCTIC_TEXT, b_text) <= 0.10
    words = speech_run.sql("select count(*) from words where video_id = ?", vid)[0][0]
    assert sum(r[6] for r in rows) == words


def test_single_speaker_recordings_get_one_speaker(speech_run):
    for name in ("jfk", "arctic", "stereo48k"):
        speakers = speech_run.sql(
            "select distinct speaker from speaker_turns where video_id = ?", speech_run.ids[name]
        )
        assert speakers == [("SPEAKER_00",)], name


def test_language_is_detected(speech_run):
    rows = speech_run.sql(
        "select distinct language, min(language_prob) from asr_words where video_id = ? group by 1",
        speech_run.ids["jfk"],
    )
    assert len(rows) == 1 and rows[0][0] == "en" and rows[0][1] > 0.5


def test_word_timestamps_and_probabilities(speech_run):
    rows = speech_run.sql(
        'select start, "end", prob from asr_words where video_id = ? order by word_index',
        speech_run.ids["jfk"],
    )
    starts = [r[0] for r in rows]
    assert starts == sorted(starts)
    assert all(0 <= r[0] <= r[1] <= 11.1 for r in rows)
    assert all(0.0 < r[2] <= 1.0 for r in rows)
    assert sum(r[2] for r in rows) / len(rows) > 0.7


def test_silence_gives_empty_tables_not_errors(speech_run):
    vid = speech_run.ids["silence"]
    for table in ("speech_regions", "asr_words", "speaker_turns", "words", "utterances", "prosody"):
        assert speech_run.sql(f"select count(*) from {table} where video_id = ?", vid)[0][0] == 0
    statuses = speech_run.sql(
        "select stage, status from outputs where video_id = ? and stage = 'asr'", vid
    )
    assert statuses == [("asr", "done")]


def test_video_without_audio_is_skipped_with_reason(speech_run):
    vid = speech_run.ids["no_audio"]
    rows = dict(
        speech_run.sql(
            "select stage, reason from outputs where video_id = ? and status = 'skipped'", vid
        )
    )
    for stage in ("vad", "asr", "diarization", "prosody"):
        assert "no audio" in rows[stage], rows
    assert speech_run.sql("select count(*) from words where video_id = ?", vid)[0][0] == 0


def test_short_clip_gives_sensible_output(speech_run):
    vid = speech_run.ids["short"]
    regions = speech_run.sql('select start, "end" from speech_regions where video_id = ?', vid)
    assert all(0 <= s < e <= 0.35 for s, e in regions)
    turns = speech_run.sql("select distinct speaker from speaker_turns where video_id = ?", vid)
    assert len(turns) <= 1
    words = speech_run.sql('select start, "end" from words where video_id = ?', vid)
    assert all(0 <= s <= e <= 0.35 for s, e in words)


def test_prosody_per_utterance(speech_run):
    vid = speech_run.ids["demo"]
    rows = speech_run.sql(
        "select p.utterance_id, pitch_mean_hz, pitch_min_hz, pitch_max_hz, pitch_range_st, "
        "loudness_dbfs, speech_rate_wps, voiced_fraction, u.n_words "
        "from prosody p join utterances u using (video_id, utterance_id) where video_id = ?",
        vid,
    )
    n_utterances = speech_run.sql("select count(*) from utterances where video_id = ?", vid)[0][0]
    assert len(rows) == n_utterances > 0
    for _, mean, lo, hi, st, loud, rate, voiced, _n in rows:
        assert 70 < lo <= mean <= hi < 300  # two adult male voices
        assert 0 < st < 24
        assert -40 < loud < 0
        assert 1.0 < rate < 6.0
        assert 0.2 < voiced <= 1.0


def test_utterance_clips_and_subtitles(speech_run):
    vid = speech_run.ids["demo"]
    clips = speech_run.sql(
        'select clip_id, start, "end", strategy, segment_index from clips '
        "where video_id = ? order by start",
        vid,
    )
    utterances = speech_run.sql(
        'select utterance_index, start, "end" from utterances where video_id = ?', vid
    )
    assert clips and all(c[3] == "utterances" for c in clips)
    spans = {u[0]: (u[1], u[2]) for u in utterances}
    for _, start, end, _, index in clips:
        u_start, u_end = spans[index]
        assert start <= u_start + 1e-6 and end >= min(u_end, start + 20.0) - 1e-6
    # No clip mixes the two speakers: clips never cross the speaker change.
    assert all(c[2] <= DEMO_CHANGE or c[1] >= 11.0 for c in clips)
    subs = speech_run.sql(
        "select clip_id, path, sha256, n_cues from subtitles where video_id = ?", vid
    )
    assert {s[0] for s in subs} == {c[0] for c in clips}
    texts = []
    for _, path, _, n_cues in subs:
        body = speech_run.workspace.path(path).read_text()
        assert body.startswith("WEBVTT\n")
        assert body.count(" --> ") == n_cues > 0
        texts.append(body)
    joined = " ".join(texts)
    assert "<v SPEAKER_00>" in joined and "<v SPEAKER_01>" in joined
    assert "superlative" in joined


def test_rerun_is_fully_cached(speech_run):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipelines, "load", lambda name: SPEECH_PIPELINE)
        again = runner.run(speech_run.workspace, "speech-test")
    totals = again.totals()
    assert totals.get("done", 0) == 0 and totals.get("rejected", 0) == 0
    assert totals["cached"] > 0
