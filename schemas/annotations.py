"""Tables of the human half: annotators, who labels what, gold answers, and pulled annotations.

`annotation_versions` (catalog) is append-only: an annotation edited in Label Studio is
stored again as a new `version`; earlier versions stay. `annotations` (a view in
`emocurate query`, a table in releases) has the same columns and holds the latest
version of each annotation. Annotators appear only as pseudonyms (a keyed hash
of their login): emails live in the workspace's secrets file, never in a table.
"""

from __future__ import annotations

import pyarrow as pa

from emocurate.schemas._fields import TIMESTAMP, col

ANNOTATORS_SCHEMA = pa.schema(
    [
        col(
            "annotator", pa.string(), "Pseudonymous annotator id (keyed hash of the login).", False
        ),
        col("ls_user_id", pa.int64(), "Label Studio user id on this workspace's server.", False),
        col(
            "created_at",
            TIMESTAMP,
            "When the account was created by `annotate add-annotator`.",
            False,
        ),
    ]
)

ASSIGNMENTS_SCHEMA = pa.schema(
    [
        col(
            "config",
            pa.string(),
            "Labelling config (template name) the clip is labelled with.",
            False,
        ),
        col("clip_id", pa.string(), "Clip id.", False),
        col("annotator", pa.string(), "Pseudonymous annotator id the clip is assigned to.", False),
        col(
            "gold",
            pa.bool_(),
            "True for a gold clip (known answer, given to every annotator).",
            False,
        ),
        col(
            "overlap",
            pa.int32(),
            "Annotators per clip requested by the push that assigned it.",
            False,
        ),
        col("assigned_at", TIMESTAMP, "When emocurate made the assignment.", False),
    ]
)

ANNOTATION_PROJECTS_SCHEMA = pa.schema(
    [
        col("config", pa.string(), "Labelling config (template name).", False),
        col(
            "annotator", pa.string(), "Pseudonymous annotator id whose queue the project is.", False
        ),
        col("project_id", pa.int64(), "Label Studio project id.", False),
        col("title", pa.string(), "Project title on the server.", False),
        col("created_at", TIMESTAMP, "When it was first recorded.", False),
    ]
)

GOLD_ITEMS_SCHEMA = pa.schema(
    [
        col("config", pa.string(), "Labelling config (template name).", False),
        col("clip_id", pa.string(), "Gold clip id.", False),
        col("field", pa.string(), "Field (control name in the config, e.g. 'emotion').", False),
        col("value", pa.string(), "The known answer.", False),
        col("added_at", TIMESTAMP, "When it was read from the gold file.", False),
    ]
)

ANNOTATION_VERSIONS_SCHEMA = pa.schema(
    [
        col("annotation_id", pa.int64(), "Label Studio annotation id.", False),
        col(
            "version",
            pa.int32(),
            "1 for the first pulled state of the annotation, +1 per edit.",
            False,
        ),
        col("clip_id", pa.string(), "Clip id.", False),
        col("config", pa.string(), "Labelling config (template name).", False),
        col("project_id", pa.int64(), "Label Studio project id.", False),
        col("task_id", pa.int64(), "Label Studio task id.", False),
        col("annotator", pa.string(), "Pseudonymous annotator id (who submitted it).", False),
        col(
            "assigned", pa.bool_(), "Whether emocurate assigned this clip to this annotator.", False
        ),
        col(
            "field",
            pa.string(),
            "Field: control name (emotion, valence, ...); '_skipped' for a skipped task.",
            False,
        ),
        col(
            "value", pa.string(), "Chosen label / rating / text (one row per chosen value).", False
        ),
        col("value_num", pa.float64(), "The value as a number when it is one (ratings)."),
        col("segment_start", pa.float64(), "Timeline segment start, seconds from the clip start."),
        col("segment_end", pa.float64(), "Timeline segment end, seconds from the clip start."),
        col("lead_time", pa.float64(), "Seconds the annotator spent (as reported by the editor)."),
        col("created_at", TIMESTAMP, "When the annotation was created in Label Studio.", False),
        col("updated_at", TIMESTAMP, "When this version was saved in Label Studio.", False),
        col(
            "result_hash",
            pa.string(),
            "sha256 of the annotation's result JSON (identifies a version).",
            False,
        ),
        col("pulled_at", TIMESTAMP, "When `annotate pull` stored this version.", False),
    ]
)

#: The latest version of each annotation (same columns; see annotation_ui/store.py).
ANNOTATIONS_SCHEMA = ANNOTATION_VERSIONS_SCHEMA

#: The `annotations` view (and release table): the latest version of each annotation.
ANNOTATIONS_SCHEMA = ANNOTATION_VERSIONS_SCHEMA
