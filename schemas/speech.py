"""Tables of the speech stages: speech regions, ASR words, speaker turns, speaker-attributed
words, utterances, prosody and per-clip subtitles.

Times are seconds from the start of the source video.
"""

from __future__ import annotations

import pyarrow as pa

from emocurate.schemas._fields import col

SPEECH_REGIONS_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("region_index", pa.int32(), "0-based speech region number.", False),
        col("start", pa.float64(), "Region start, seconds.", False),
        col("end", pa.float64(), "Region end, seconds.", False),
    ]
)

ASR_WORDS_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("word_index", pa.int32(), "0-based word number in the video.", False),
        col("segment_index", pa.int32(), "Whisper segment the word belongs to.", False),
        col("start", pa.float64(), "Word start, seconds.", False),
        col("end", pa.float64(), "Word end, seconds.", False),
        col(
            "word",
            pa.string(),
            "The word as transcribed (punctuation attached, no leading space).",
            False,
        ),
        col("prob", pa.float32(), "Whisper word probability, 0-1."),
        col("language", pa.string(), "Language code detected (or set) for the video, e.g. 'en'."),
        col("language_prob", pa.float32(), "Probability of the detected language (1 when set)."),
    ]
)

SPEAKER_TURNS_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("turn_index", pa.int32(), "0-based turn number.", False),
        col(
            "speaker",
            pa.string(),
            "Speaker label within the video (SPEAKER_00, ... by first appearance).",
            False,
        ),
        col("start", pa.float64(), "Turn start, seconds.", False),
        col("end", pa.float64(), "Turn end, seconds.", False),
        col("backend", pa.string(), "Diarization backend that produced the turn.", False),
    ]
)

WORDS_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("word_index", pa.int32(), "0-based word number in the video.", False),
        col("start", pa.float64(), "Word start, seconds.", False),
        col("end", pa.float64(), "Word end, seconds.", False),
        col("word", pa.string(), "The word as transcribed.", False),
        col("prob", pa.float32(), "Whisper word probability, 0-1."),
        col(
            "speaker",
            pa.string(),
            "Speaker of the word (largest overlap with a speaker turn); null without diarization.",
        ),
    ]
)

UTTERANCES_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("utterance_id", pa.string(), "Utterance id: <video_id>_u<index, 4 digits>.", False),
        col("utterance_index", pa.int32(), "0-based utterance number in the video.", False),
        col("speaker", pa.string(), "Speaker of the utterance; null without diarization."),
        col("start", pa.float64(), "Start of the first word, seconds.", False),
        col("end", pa.float64(), "End of the last word, seconds.", False),
        col("text", pa.string(), "The words joined with spaces.", False),
        col("language", pa.string(), "Language of the video's transcript."),
        col("n_words", pa.int32(), "Number of words.", False),
    ]
)

PROSODY_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("utterance_id", pa.string(), "Utterance id (joins utterances).", False),
        col("start", pa.float64(), "Utterance start, seconds.", False),
        col("end", pa.float64(), "Utterance end, seconds.", False),
        col(
            "pitch_mean_hz",
            pa.float32(),
            "Mean F0 over voiced frames (Praat autocorrelation), Hz; null if unvoiced.",
        ),
        col("pitch_min_hz", pa.float32(), "5th percentile of F0, Hz."),
        col("pitch_max_hz", pa.float32(), "95th percentile of F0, Hz."),
        col("pitch_range_st", pa.float32(), "Pitch range: 12*log2(p95/p5) in semitones."),
        col("voiced_fraction", pa.float32(), "Share of analysis frames that are voiced, 0-1."),
        col("loudness_dbfs", pa.float32(), "RMS level of the utterance audio, dBFS."),
        col(
            "intensity_db",
            pa.float32(),
            "Mean Praat intensity, dB (re 2e-5 Pa with full scale = 1 Pa).",
        ),
        col("speech_rate_wps", pa.float32(), "Words per second over the utterance duration."),
    ]
)

SUBTITLES_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("clip_id", pa.string(), "Clip the subtitles belong to.", False),
        col(
            "path",
            pa.string(),
            "WebVTT file clips/<clip_id>.vtt, relative to the workspace.",
            False,
            file=True,
        ),
        col("sha256", pa.string(), "sha256 of the WebVTT file.", False),
        col("n_cues", pa.int32(), "Number of cues (0: the clip has no speech).", False),
    ]
)
