"""Who labels what: each clip to exactly k distinct annotators, balanced; gold clips to everyone.

Pure functions over ids, so the rule is testable without a server. Assignments are
emocurate's records (catalog table `assignments`), written before any task is
created: a push that crashes resumes from the same decisions.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from emocurate.errors import UsageError


def assign(
    clip_ids: Sequence[str],
    annotators: Sequence[str],
    overlap: int,
    existing: Mapping[str, set[str]],
    gold: Iterable[str] = (),
) -> list[tuple[str, str, bool]]:
    """New (clip_id, annotator, is_gold) assignments to add to `existing` (clip -> annotators).

    Every non-gold clip ends with at least `overlap` distinct annotators (clips already
    assigned are topped up, never reassigned); the next annotator is the least loaded,
    ties broken by a hash of (clip, annotator) so the result is deterministic but not
    alphabetical. Gold clips go to every annotator, including ones added later.
    """
    if overlap < 1:
        raise UsageError("--overlap must be at least 1")
    pool = sorted(set(annotators))
    if len(pool) < overlap:
        raise UsageError(
            f"--overlap {overlap} needs at least {overlap} annotators, {len(pool)} registered: "
            "add them with `emocurate annotate add-annotator EMAIL`"
        )
    gold_set = set(gold)
    load: Counter[str] = Counter()
    for clip, names in existing.items():
        if clip not in gold_set:
            load.update(names)
    new: list[tuple[str, str, bool]] = []
    for clip in clip_ids:
        have = set(existing.get(clip, set()))
        if clip in gold_set:
            new.extend((clip, a, True) for a in pool if a not in have)
            continue
        need = overlap - len(have)
        if need <= 0:
            continue
        candidates = sorted(
            (a for a in pool if a not in have), key=lambda a: (load[a], _tie(clip, a))
        )
        for name in candidates[:need]:
            load[name] += 1
            new.append((clip, name, False))
    return new


def _tie(clip: str, annotator: str) -> str:
    return hashlib.sha1(f"{clip}\0{annotator}".encode()).hexdigest()
