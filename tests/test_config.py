import copy

import pytest
import yaml

from feedback2journey.config import ConfigError, Settings, config_from_dict, load_config
from feedback2journey.resources import default_config_path


@pytest.fixture()
def raw():
    return yaml.safe_load(default_config_path().read_text(encoding="utf-8"))


def test_default_taxonomy_covers_the_journey(config):
    ids = config.taxonomy.stage_ids()
    assert ids[:5] == ["awareness", "consideration", "decision", "purchase", "post_purchase"]
    subs = {s.id for s in config.taxonomy.stages if s.parent == "post_purchase"}
    assert {"delivery", "onboarding", "usage", "billing", "returns", "support", "renewal", "advocacy"} <= subs
    assert 15 <= len(config.taxonomy.touchpoints) <= 25
    assert config.taxonomy.stage_group("delivery") == "post_purchase"
    assert config.taxonomy.stage_group("awareness") == "awareness"


def test_hash_is_stable_and_sensitive(raw):
    a = config_from_dict(copy.deepcopy(raw))
    b = config_from_dict(copy.deepcopy(raw))
    assert a.hash() == b.hash()
    raw["settings"]["negative_threshold"] = -0.3
    assert config_from_dict(raw).hash() != a.hash()


def test_unknown_parent_names_field_and_fix(raw):
    raw["stages"][6]["parent"] = "post-purchase"
    with pytest.raises(ConfigError) as e:
        config_from_dict(raw, source="my.yaml")
    msg = str(e.value)
    assert "stages[6].parent" in msg and "post_purchase" in msg and "Did you mean" in msg


def test_touchpoint_stage_reference_checked(raw):
    raw["touchpoints"][0]["stages"] = ["nowhere"]
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.stages: 'nowhere'"):
        config_from_dict(raw)


def test_duplicate_ids_rejected(raw):
    raw["channels"].append(dict(raw["channels"][0]))
    with pytest.raises(ConfigError, match="duplicate id"):
        config_from_dict(raw)


def test_unknown_field_suggests_spelling(raw):
    raw["stages"][0]["keyword"] = ["ad"]
    with pytest.raises(ConfigError, match="Did you mean 'keywords'"):
        config_from_dict(raw)


def test_bad_id_and_empty_label(raw):
    raw["stages"][0]["id"] = "Post Purchase"
    with pytest.raises(ConfigError, match="not a valid id"):
        config_from_dict(raw)
    with pytest.raises(ConfigError, match="nothing can be matched"):
        config_from_dict({"stages": [{"id": "a", "name": "A"}], "touchpoints": raw["touchpoints"],
                          "channels": raw["channels"]})


def test_settings_are_typed(raw):
    raw["settings"] = {"stage_min_confidence": "high"}
    with pytest.raises(ConfigError, match="settings.stage_min_confidence: expected float"):
        config_from_dict(raw)
    raw["settings"] = {"negativ_threshold": -0.2}
    with pytest.raises(ConfigError, match="Did you mean 'negative_threshold'"):
        config_from_dict(raw)
    raw["settings"] = {"long_text": "explode"}
    with pytest.raises(ConfigError, match="not one of reject, truncate"):
        config_from_dict(raw)
    raw["settings"] = {"negative_threshold": 0.5, "positive_threshold": 0.1}
    with pytest.raises(ConfigError, match="negative_threshold < positive_threshold"):
        config_from_dict(raw)
    raw["settings"] = {"max_text_chars": 800}
    assert config_from_dict(raw).settings.max_text_chars == 800
    assert config_from_dict({**raw, "settings": None}).settings == Settings()


def test_missing_section_and_bad_yaml(tmp_path, raw):
    del raw["channels"]
    with pytest.raises(ConfigError, match="'channels' is missing"):
        config_from_dict(raw)
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages:\n  - id: a\n   name: x: y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="feedback2journey init"):
        load_config(tmp_path / "missing.yaml")


def test_languages_default_to_english_and_are_validated(raw):
    assert Settings().languages == ("en",)
    assert config_from_dict(copy.deepcopy(raw)).settings.languages == ("en",)  # journey.yaml documents [en]
    raw["settings"]["languages"] = ["en", "DE", "en"]
    assert config_from_dict(copy.deepcopy(raw)).settings.languages == ("en", "de")
    for bad in ([], ["english"], [3], {"en": 1}):
        raw["settings"]["languages"] = bad
        with pytest.raises(ConfigError, match="settings.languages"):
            config_from_dict(copy.deepcopy(raw))


def test_to_dict_round_trips():
    """A config written back out (run.json keeps it) loads to the same effective config."""
    from feedback2journey.config import config_from_dict, load_config

    cfg = load_config()
    assert config_from_dict(cfg.to_dict()).hash() == cfg.hash()
