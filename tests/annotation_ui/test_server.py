"""Against a real Label Studio (session fixture): templates, push/pull, k blind annotators,
idempotency under crashes and lost responses, one-line errors, secrets kept out of logs."""

from __future__ import annotations

import json
import os
import signal
import stat
from collections import Counter

import httpx
import pytest

from emocurate.annotation_ui import configs, credentials, gold, pull, push, server, store
from emocurate.annotation_ui.client import (
    LabelStudio,
    LabelStudioError,
    ServerUnreachable,
    user_token,
)
from emocurate.workspace import Workspace

from .conftest import ANNOTATORS, free_port, set_url

pytestmark = pytest.mark.slow


def annotator_client(ws: Workspace, email: str) -> LabelStudio:
    creds = credentials.load(ws)
    url = server.read_state(ws).url
    return LabelStudio(url, user_token(url, email, creds.annotators[email].password))


def own_project(client: LabelStudio, ws: Workspace, config: str, email: str) -> dict:
    title = push.project_title(ws, config, credentials.load(ws).pseudonym(email))
    return next(p for p in client.projects() if p["title"] == title)


def clip_task_counts(ws: Workspace, config: str) -> dict[str, Counter]:
    """Project title -> Counter of clip ids among its tasks, for every annotator project."""
    with server.client(ws) as admin:
        out = {}
        for p in admin.projects():
            if p["title"].startswith(f"{push.project_prefix(ws)} / {config} / "):
                out[p["title"]] = Counter(t["data"]["clip_id"] for t in admin.tasks(p["id"]))
        return out


def assigned(ws: Workspace, config: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in store.rows(
        ws, "select clip_id, annotator from assignments where config = ?", [config]
    ):
        out.setdefault(push.project_title(ws, config, r["annotator"]), set()).add(r["clip_id"])
    return out


def choice(field: str, value: str) -> list[dict]:
    return [
        {"from_name": field, "to_name": "video", "type": "choices", "value": {"choices": [value]}}
    ]


def test_every_template_is_accepted_by_the_server(served):
    schema = configs.labels(served.config)
    with server.client(served) as admin:
        for name in configs.names():
            for extras in (True, False):
                admin.validate_config(
                    configs.render(name, schema, transcript=extras, caption=extras).xml
                )
        broken = configs.render("emotion", schema).xml.replace(
            'toName="video"', 'toName="audio"', 1
        )
        with pytest.raises(LabelStudioError, match="audio"):
            admin.validate_config(broken)


def test_push_overlap_3_three_annotators_submit_pull_gives_3_distinct_per_clip(served, tmp_path):
    from emocurate.annotation_ui.clips import load

    clips, _ = load(served)
    gold_clip = clips[0].clip_id
    gold_file = tmp_path / "gold.csv"
    gold_file.write_text(f"clip_id,field,value\n{gold_clip},emotion,happy\n")
    report = push.push(served, "emotion", 3, gold_file=gold_file)
    assert report.clips == len(clips) == 3 and report.gold_clips == 1

    for i, email in enumerate(ANNOTATORS):
        with annotator_client(served, email) as me:
            project = own_project(me, served, "emotion", email)
            tasks = list(me.tasks(project["id"]))
            assert {t["data"]["clip_id"] for t in tasks} == {c.clip_id for c in clips}
            # No trace of gold: only the clip, its frame rate and (speech ran) its transcript.
            assert {"video", "clip_id", "fps"} <= set(tasks[0]["data"])
            assert set(tasks[0]["data"]) <= {"video", "clip_id", "fps", "transcript"}
            for t in tasks:
                value = (
                    "happy"
                    if (t["data"]["clip_id"] == gold_clip and i == 0)
                    else ["sad", "fear", "anger"][i]
                )
                me.post(
                    f"/api/tasks/{t['id']}/annotations/",
                    json={"result": choice("emotion", value), "lead_time": 4.0 + i},
                )

    first = pull.pull(served)
    assert first.new_versions == 9 and first.rows == 9
    latest = store.latest_annotations(served, "config = 'emotion' and field = 'emotion'")
    per_clip = Counter(r["clip_id"] for r in latest)
    distinct = {c: len({r["annotator"] for r in latest if r["clip_id"] == c}) for c in per_clip}
    assert distinct == {c.clip_id: 3 for c in clips} and set(per_clip.values()) == {3}
    assert all(r["assigned"] for r in latest) and {r["lead_time"] for r in latest} == {
        4.0,
        5.0,
        6.0,
    }
    creds = credentials.load(served)
    assert {r["annotator"] for r in latest} == {creds.pseudonym(e) for e in ANNOTATORS}
    scores = {r["annotator"]: (r["correct"], r["n"]) for r in gold.accuracy(served, "emotion")}
    expected = [(1, 1), (0, 1), (0, 1)]
    assert scores == {creds.pseudonym(e): x for e, x in zip(ANNOTATORS, expected, strict=True)}

    # an edited annotation becomes version 2; version 1 stays; re-pull adds nothing
    with annotator_client(served, ANNOTATORS[1]) as me:
        project = own_project(me, served, "emotion", ANNOTATORS[1])
        task = next(t for t in me.tasks(project["id"]) if t["data"]["clip_id"] == gold_clip)
        ann_id = me.get(f"/api/tasks/{task['id']}/annotations/")[0]["id"]
        me.patch(f"/api/annotations/{ann_id}/", json={"result": choice("emotion", "happy")})
    second = pull.pull(served)
    assert (second.new_versions, second.rows) == (1, 1)
    versions = store.rows(
        served,
        "select version, value from annotation_versions where annotation_id = ? order by version",
        [ann_id],
    )
    assert versions == [{"version": 1, "value": "fear"}, {"version": 2, "value": "happy"}]
    assert [
        r["value"] for r in store.latest_annotations(served, "annotation_id = ?", [ann_id])
    ] == ["happy"]
    assert pull.pull(served).new_versions == 0
    assert store.rows(served, "select count(*) as n from annotation_versions")[0]["n"] == 10


def test_segments_are_stored_in_seconds_at_the_clips_real_frame_rate(served):
    push.push(served, "segments", 1)
    email = ANNOTATORS[0]
    with annotator_client(served, email) as me:
        project = own_project(me, served, "segments", email)
        tasks = list(me.tasks(project["id"]))
        assert tasks, "overlap 1 over 3 annotators gives each one clip"
        task = tasks[0]
        fps = task["data"]["fps"]
        value = {"ranges": [{"start": 26, "end": 50}], "timelinelabels": ["hesitancy"]}
        result = [
            {"from_name": "segments", "to_name": "video", "type": "timelinelabels", "value": value}
        ]
        me.post(f"/api/tasks/{task['id']}/annotations/", json={"result": result})
    pull.pull(served)
    rows = store.latest_annotations(served, "config = 'segments' and field = 'segments'")
    assert len(rows) == 1 and rows[0]["value"] == "hesitancy"
    assert fps == 25.0  # the demo's real frame rate, from the clips table
    assert rows[0]["segment_start"] == pytest.approx(25 / fps) and rows[0][
        "segment_end"
    ] == pytest.approx(50 / fps)
    counts = clip_task_counts(served, "segments")
    assert sum(sum(c.values()) for c in counts.values()) == 3  # each clip exactly once overall


def test_push_twice_pull_twice_adds_nothing(served):
    push.push(served, "emotion", 3)
    before = clip_task_counts(served, "emotion")
    again = push.push(served, "emotion", 3)
    assert (again.new_assignments, again.projects_created, again.tasks_created) == (0, 0, 0)
    assert clip_task_counts(served, "emotion") == before
    assert all(set(c.values()) == {1} for c in before.values())
    n = store.rows(served, "select count(*) as n from annotation_versions")[0]["n"]
    pull.pull(served)
    pull.pull(served)
    assert store.rows(served, "select count(*) as n from annotation_versions")[0]["n"] == n


class LoseFirstImportResponse(httpx.BaseTransport):
    """Sends every request, but drops the response of the first import: the server committed it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/import") and not self.dropped:
            response.read()
            self.dropped += 1
            raise httpx.ReadError("connection reset after the server committed", request=request)
        return response


def test_lost_response_during_import_does_not_duplicate(served, monkeypatch):
    transport = LoseFirstImportResponse()
    real_client = server.client

    def flaky(ws):
        client = real_client(ws)
        client.http = httpx.Client(
            base_url=client.url, headers=dict(client.http.headers), transport=transport
        )
        return client

    monkeypatch.setattr(server, "client", flaky)
    push.push(served, "sentiment", 2, batch_size=2)
    assert transport.dropped == 1
    counts = clip_task_counts(served, "sentiment")
    assert {t: set(c) for t, c in counts.items()} == assigned(served, "sentiment")
    assert all(set(c.values()) == {1} for c in counts.values())


def test_server_killed_mid_push_then_restarted_push_again_every_clip_once(served):
    state = server.read_state(served)
    killed = []

    def kill_after_first_batch(n: int) -> None:
        if not killed:
            os.killpg(state.pid, signal.SIGKILL)
            killed.append(n)

    with pytest.raises(ServerUnreachable) as err:
        push.push(served, "valence_arousal", 3, batch_size=1, on_done=kill_after_first_batch)
    message = str(err.value)
    assert (
        "\n" not in message
        and "emocurate annotate serve" in message
        and "without duplicates" in message
    )
    assert server.status(served)["healthy"] is False

    server.serve(served, timeout=300)
    assert server.status(served)["healthy"] is True
    report = push.push(served, "valence_arousal", 3)
    assert report.tasks_present >= 1 and report.projects_created == 0
    counts = clip_task_counts(served, "valence_arousal")
    assert {t: set(c) for t, c in counts.items()} == assigned(served, "valence_arousal")
    assert all(set(c.values()) == {1} for c in counts.values()) and len(counts) == 3


def test_server_down_and_wrong_token_are_one_line_errors_saying_what_to_do(served, tmp_path, cli):
    down = set_url(Workspace.init(tmp_path / "down"), f"http://127.0.0.1:{free_port()}")
    credentials.load_or_create(down)
    result = cli("annotate", "pull", "-w", down.root)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "not reachable" in lines[0] and "emocurate annotate serve" in lines[0]

    stranger = set_url(Workspace.init(tmp_path / "stranger"), server.read_state(served).url)
    credentials.load_or_create(stranger)  # its own random token: not the served one
    result = cli("annotate", "push", "--config", "emotion", "-w", stranger.root)
    # no clips there: the usage error comes first, before any network call
    assert result.returncode == 2 and "emocurate run" in result.stderr
    result = cli("annotate", "pull", "-w", stranger.root)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "rejected the API token" in lines[0] and "annotate serve" in lines[0]
    assert credentials.load(stranger).token not in result.stderr


def test_cli_status_and_add_annotator_are_idempotent(served, cli):
    result = cli("annotate", "add-annotator", ANNOTATORS[0], "-w", served.root)
    assert result.returncode == 0 and "already exists" in result.stdout
    assert credentials.load(served).annotators[ANNOTATORS[0]].password in result.stdout
    result = cli("annotate", "status", "-w", served.root)
    assert result.returncode == 0 and "running" in result.stdout and "emotion" in result.stdout


def test_secrets_stay_in_the_0600_file_and_out_of_logs_and_tables(served):
    path = credentials.secrets_path(served)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = credentials.load(served)
    secrets = [creds.token, creds.admin_password, *(a.password for a in creds.annotators.values())]
    log = (served.root / "logs" / server.LOG_FILE).read_text(errors="replace")
    assert log and not any(s in log for s in secrets)
    dumped = json.dumps(store.rows(served, "select * from annotators"), default=str)
    dumped += json.dumps(store.rows(served, "select * from annotation_versions"), default=str)
    assert not any(s in dumped for s in secrets) and "@example.org" not in dumped


def test_prelabels_become_marked_predictions(served, tmp_path):
    from emocurate.annotation_ui.clips import load

    clips, _ = load(served)
    suggestions = tmp_path / "suggestions.csv"
    lines = ["clip_id,field,value,score"]
    for c in clips:
        lines += [
            f"{c.clip_id},coarse,negative,0.8",
            f"{c.clip_id},caption,frowns while speaking,0.6",
        ]
    suggestions.write_text("\n".join(lines) + "\n")
    push.push(served, "coarse_fine", 1, prelabel_file=suggestions)
    with server.client(served) as admin:
        projects = [p for p in admin.projects() if "/ coarse_fine /" in p["title"]]
        assert projects and all(p["show_collab_predictions"] for p in projects)
        assert all('name="caption"' in p["label_config"] for p in projects)
        task = next(admin.tasks(projects[0]["id"]))
        predictions = admin.get("/api/predictions/", params={"task": task["id"]})
    assert len(predictions) == 1 and predictions[0]["model_version"] == push.SUGGESTIONS_MODEL
    values = {r["from_name"]: r["value"] for r in predictions[0]["result"]}
    assert values["coarse"] == {"choices": ["negative"]}
    assert values["caption"]["text"] == ["[suggestion] frowns while speaking"]
    assert predictions[0]["score"] == pytest.approx(0.7)


def test_pulled_annotations_feed_stats_and_the_release(served):
    """Ratings submitted in Label Studio -> pull -> per-field agreement -> release tables."""
    import krippendorff
    import numpy as np
    import pyarrow.parquet as pq

    from emocurate.agreement import workspace_agreement
    from emocurate.annotation_ui.clips import load
    from emocurate.release import create_release

    clips, _ = load(served)
    push.push(served, "valence_arousal", 3)
    ratings = {email: {} for email in ANNOTATORS}
    for i, email in enumerate(ANNOTATORS):
        with annotator_client(served, email) as me:
            project = own_project(me, served, "valence_arousal", email)
            for j, t in enumerate(me.tasks(project["id"])):
                valence, arousal = str(1 + (i + 2 * j) % 9), str(9 - (i * j) % 9)
                ratings[email][t["data"]["clip_id"]] = float(valence)
                me.post(
                    f"/api/tasks/{t['id']}/annotations/",
                    json={"result": choice("valence", valence) + choice("arousal", arousal)},
                )
    pull.pull(served)

    result = workspace_agreement(served, n_boot=200)
    assert result.levels["valence_arousal/valence"] == "interval"
    assert result.levels["valence_arousal/arousal"] == "interval"
    agreement = result.report.agreement
    row = agreement.filter(
        (agreement["field"] == "valence_arousal/valence")
        & (agreement["metric"] == "krippendorff_alpha")
    ).row(0, named=True)
    order = sorted({c.clip_id for c in clips})
    matrix = np.array([[ratings[e][c] for c in order] for e in ANNOTATORS])
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
    assert row["value"] == pytest.approx(expected, abs=1e-9)
    assert row["ci_low"] <= row["value"] <= row["ci_high"]

    root = create_release(served, "9.0.0")
    manifest = json.loads((root / "manifest.json").read_text())
    assert {"annotations", "agreement", "labels"} <= set(manifest["tables"])
    assert manifest["agreement"]["levels"]["valence_arousal/valence"] == "interval"
    released = pq.read_table(root / "data" / "annotations.parquet")
    assert all(a.startswith("a_") for a in released.column("annotator").to_pylist())
    for path in (root / "data").glob("*.parquet"):
        assert b"@example.org" not in path.read_bytes(), path.name
    labels = pq.read_table(root / "data" / "labels.parquet").to_pylist()
    valence_labels = {r["item"]: r for r in labels if r["field"] == "valence_arousal/valence"}
    assert set(valence_labels) == set(order)
