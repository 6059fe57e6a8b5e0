"""The `subjects` stage: cluster every face track of the workspace into persons, so that
splits can be subject-disjoint. Output: the `faces` table (one row per track, with
`subject_id`), which is what users query and what releases ship.

Tracks are clustered per embedding model by agglomerative clustering (average
linkage) cut at the model's same-person distance: 0.6 Euclidean for dlib's 128-D
ResNet (dlib's documented operating point), 0.6 cosine for insightface ArcFace.
A subject id is derived from its first member track (sorted), so it is stable when
a rerun gives the same clusters.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.errors import UsageError
from emocurate.stage import WorkspaceContext, WorkspaceStage, register


def subject_id(member_track_ids: list[str]) -> str:
    """Stable id of a cluster: a short hash of its smallest member track id."""
    return "s_" + hashlib.sha1(min(member_track_ids).encode()).hexdigest()[:10]


def cluster(embeddings: np.ndarray, distance: str, threshold: float, linkage: str) -> np.ndarray:
    """Cluster labels (0..k-1) of the rows of `embeddings`."""
    from scipy.cluster.hierarchy import fcluster
    from scipy.cluster.hierarchy import linkage as build
    from scipy.spatial.distance import pdist

    if len(embeddings) == 1:
        return np.zeros(1, int)
    tree = build(pdist(embeddings, metric=distance), method=linkage)
    return fcluster(tree, t=threshold, criterion="distance") - 1


@register
class SubjectsStage(WorkspaceStage):
    name = "subjects"
    version = "1"
    table = "faces"
    inputs = ("face_tracks",)
    requires = ("scipy",)
    extra = "faces"
    defaults = {
        "threshold": None,  # None: the embedding model's same-person distance
        "linkage": "average",  # scipy linkage: average, complete or single
    }

    def run_workspace(self, ctx: WorkspaceContext) -> pa.Table:
        from scipy.spatial.distance import cdist

        from emocurate.faces.embedder import metric_for

        if self.settings["linkage"] not in ("average", "complete", "single"):
            raise UsageError("stage 'subjects': linkage must be average, complete or single")
        tracks = ctx.input("face_tracks").to_pylist()
        tracks.sort(key=lambda r: (r["video_id"], r["track_id"]))
        by_model: dict[str, list[dict[str, Any]]] = {}
        for row in tracks:
            row["subject_id"] = None
            row["subject_distance"] = None
            if row["embedding"] is not None and row["embedding_model"]:
                by_model.setdefault(row["embedding_model"], []).append(row)
        for model, rows in by_model.items():
            metric = metric_for(model)
            threshold = self.settings["threshold"] or metric.threshold
            emb = np.asarray([r["embedding"] for r in rows], np.float64)
            labels = cluster(emb, metric.distance, float(threshold), self.settings["linkage"])
            for label in np.unique(labels):
                members = [r for r, lab in zip(rows, labels, strict=True) if lab == label]
                sid = subject_id([m["track_id"] for m in members])
                centre = emb[labels == label].mean(0, keepdims=True)
                dists = cdist(emb[labels == label], centre, metric=metric.distance)[:, 0]
                for member, d in zip(members, dists, strict=True):
                    member["subject_id"] = sid
                    member["subject_distance"] = float(d)
        return schemas.from_rows(tracks, "faces") if tracks else schemas.empty("faces")
