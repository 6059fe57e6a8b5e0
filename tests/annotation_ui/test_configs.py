"""Templates filled from the label schema: well-formed XML, escaped labels, one-line errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from emocurate.annotation_ui import configs
from emocurate.errors import UsageError


@pytest.mark.parametrize("name", configs.names())
def test_every_template_renders_well_formed_xml_with_its_fields(name):
    cfg = configs.render(name, configs.labels({}), transcript=True, caption=True)
    root = ET.fromstring(cfg.xml)
    controls = {el.get("name") for el in root.iter() if el.get("toName") == "video"}
    assert controls == set(cfg.fields)
    video = root.find(".//Video")
    assert video is not None and video.get("frameRate") == "$fps"
    assert root.find(".//Text").get("value") == "$transcript"
    assert "<h2>" in cfg.instructions and "your own project" in cfg.instructions
    plain = configs.render(name, configs.labels({}), transcript=False)
    assert ET.fromstring(plain.xml).find(".//Text") is None and "caption" not in plain.fields


def test_defaults_are_the_emotiontalk_classes_and_sam_9_points():
    root = ET.fromstring(configs.render("emotion").xml)
    emotion = root.find(".//Choices[@name='emotion']")
    assert [c.get("value") for c in emotion] == [
        "happy",
        "surprise",
        "sad",
        "disgust",
        "anger",
        "fear",
        "neutral",
    ]
    assert emotion.get("choice") == "single" and emotion.get("required") == "true"
    va = ET.fromstring(configs.render("valence_arousal").xml)
    assert [c.get("value") for c in va.find(".//Choices[@name='valence']")] == [
        str(i) for i in range(1, 10)
    ]
    sentiment = ET.fromstring(configs.render("sentiment").xml).find(".//Choices[@name='sentiment']")
    assert len(sentiment) == 5


def test_label_schema_from_emocurate_toml_with_escaping():
    schema = configs.labels(
        {
            "annotation": {
                "labels": {"segments": ["doubt & <pause>", "hesitancy"], "rating_levels": 7}
            }
        }
    )
    root = ET.fromstring(configs.render("segments", schema).xml)
    assert [el.get("value") for el in root.iter("Label")] == ["doubt & <pause>", "hesitancy"]
    va = ET.fromstring(configs.render("valence_arousal", schema).xml)
    assert len(va.find(".//Choices[@name='arousal']")) == 7
    assert configs.allowed_values("valence", schema) == [str(i) for i in range(1, 8)]


@pytest.mark.parametrize(
    "labels",
    [
        {"emotions": ["x"]},
        {"emotion": []},
        {"emotion": ["a", "a"]},
        {"rating_levels": 1},
        {"coarse": "pos"},
    ],
)
def test_bad_label_schema_is_a_one_line_usage_error(labels):
    with pytest.raises(UsageError) as err:
        configs.labels({"annotation": {"labels": labels}})
    assert "\n" not in str(err.value) and "[annotation.labels]" in str(err.value)


def test_unknown_config_names_the_known_ones():
    with pytest.raises(UsageError, match="emotion"):
        configs.render("nope")
