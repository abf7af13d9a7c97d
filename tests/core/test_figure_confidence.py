"""The confidence of each headline figure: the model's data, its features and how it marks figures.

Sentences are written for these tests; the packaged weights are read as the bot reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters.figure_model import load_confidence_model
from bot.core.casualties import decide, extract_casualties, read_figures
from bot.core.figure_confidence import (
    FEATURES,
    ConfidenceModel,
    confident_extractor,
    features,
    with_confidence,
)
from bot.core.figures import Category, Headline
from bot.errors import ConfigError

PLAIN = (
    "Blast kills 4 at market",
    "At least four people were killed and 11 injured in the blast, police said.",
)
# a second count of the category, a denial and a long backdrop: a figure a desk should check
WOBBLY = (
    "Officials trade blame after raid on village",
    "Residents said the raid killed 12 people, a figure the army denied, saying three militants died. "
    "The conflict has killed more than 5,000 people since 2019 and displaced thousands, and talks held "
    "abroad last month failed to agree on a ceasefire or on the return of those who fled the region.",
)


def test_the_packaged_model_loads_and_knows_only_its_features() -> None:
    model = load_confidence_model()
    assert set(model.weights) <= set(FEATURES)
    assert 0.5 <= model.low < 1.0


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ({"low": 0.6}, "weights"),
        ({"low": 0.6, "weights": {"no_such_feature": 1.0}}, "unknown features"),
        ({"low": 0.6, "weights": {"bias": "high"}}, "finite number"),
        ({"low": 2, "weights": {"bias": 1.0}}, "probability"),
    ],
)
def test_a_broken_weights_file_is_a_config_error_naming_it(
    tmp_path: Path, raw: object, complaint: str
) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=complaint) as caught:
        load_confidence_model(path)
    assert str(path) in str(caught.value)


def test_an_unreadable_weights_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="figure confidence weights"):
        load_confidence_model(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_confidence_model(tmp_path / "bad.json")


def test_features_say_how_the_figure_was_decided() -> None:
    reading = read_figures(*PLAIN)
    got = features(reading, decide(reading), Category.KILLED)
    assert got["killed"] == 1.0 and got["singular"] == 0.0 and got["rivals"] == 0.0
    assert got["qualifier"] == 1.0 and got["in_title"] == 1.0 and got["title_trigger"] == 1.0

    single = read_figures("Man shot dead outside bar", "Police are appealing for witnesses.")
    assert features(single, decide(single), Category.KILLED)["singular"] == 1.0

    reading = read_figures(*WOBBLY)
    casualties = decide(reading)
    assert casualties.value(Category.KILLED) == 12
    got = features(reading, casualties, Category.KILLED)
    assert got["rivals"] == 1.0 and got["dispute"] == 1.0 and got["background_same"] == 1.0
    assert features(reading, casualties, Category.MISSING) == {}


def test_the_model_marks_a_figure_below_its_threshold_and_changes_no_value() -> None:
    reading = read_figures(*WOBBLY)
    rules = decide(reading)
    doubtful = ConfidenceModel(weights={"bias": 2.0, "rivals": -3.0, "dispute": -1.0}, low=0.5)
    got = with_confidence(reading, rules, doubtful)
    assert got.as_dict() == rules.as_dict()
    assert got.killed is not None and got.killed.uncertain and got.killed.confidence is not None
    assert got.killed.confidence < 0.5
    assert got.killed.describe() == "12 people killed (uncertain)"

    sure = ConfidenceModel(weights={"bias": 4.0}, low=0.5)
    kept = with_confidence(reading, rules, sure)
    assert (
        kept.killed is not None
        and not kept.killed.uncertain
        and kept.killed.confidence == pytest.approx(0.982)
    )


def test_the_packaged_model_trusts_a_plain_toll_more_than_a_disputed_one() -> None:
    extract = confident_extractor(load_confidence_model())
    plain = extract(*PLAIN).killed
    wobbly = extract(*WOBBLY).killed
    assert plain is not None and wobbly is not None
    assert plain.confidence is not None and wobbly.confidence is not None
    assert plain.confidence > wobbly.confidence
    assert not plain.uncertain


def test_without_a_model_the_extractor_is_the_rules_alone() -> None:
    got = confident_extractor(None)(*PLAIN)
    assert got == extract_casualties(*PLAIN)
    assert got.killed is not None and got.killed.confidence is None and not got.killed.uncertain


def test_confidence_takes_no_part_in_equality() -> None:
    assert Headline(Category.KILLED, 3, confidence=0.2, uncertain=True) == Headline(Category.KILLED, 3)
