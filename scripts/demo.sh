#!/usr/bin/env bash
# The README's first command: set up, then build release 0.1.0 from the bundled demo interview.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
WS=${1:-demo-workspace}
rm -rf "$WS"  # the demo always starts from scratch
E=.venv/bin/emocurate
$E init "$WS"
$E ingest -w "$WS" tests/fixtures/media/demo_interview.mp4
$E run -w "$WS" --plain
$E release create -w "$WS" --version 0.1.0 --notes "Demo release built from tests/fixtures/media/demo_interview.mp4."
$E release verify -w "$WS" 0.1.0
echo
echo "== summary of release 0.1.0 =="
$E query -w "$WS" "select (select count(*) from r_0_1_0_sources) as sources, (select count(*) from r_0_1_0_clips) as clips, (select round(sum(duration), 1) from r_0_1_0_clips) as clip_seconds, (select count(*) from r_0_1_0_shots) as shots"
$E query -w "$WS" "select clip_id, start, \"end\", round(brightness::double, 3) as brightness, round(colorfulness::double, 1) as colorfulness, round(hue::double) as hue, round(motion::double, 4) as motion, round(loudness_dbfs::double, 1) as loudness_dbfs from r_0_1_0_attributes where scope = 'clip' order by start"
echo "release folder: $WS/releases/0.1.0 (dataset card: README.md, checksums: manifest.json)"
