"""The learnt choice's options and features, on sentences written for these tests."""

from __future__ import annotations

from bot.core.casualties import extract_casualties, read_figures
from bot.core.figure_ranker import FEATURES, LEXICAL, RankerModel, options, rank
from bot.core.figures import Category

IDLIB_TITLE = "Air raids kill 9 civilians in Idlib market"
IDLIB_BODY = (
    "Air raids on a market in Idlib city killed at least nine civilians on Tuesday and wounded 20 others, "
    "a monitor said. The war has killed more than 380,000 people since 2011."
)


def by_value(category: Category, title: str, body: str) -> dict[int, dict[str, float]]:
    return {o.value: dict(o.features) for o in options(read_figures(title, body)) if o.category is category}


def test_every_count_of_the_item_is_an_option_with_what_the_rules_made_of_it() -> None:
    killed = by_value(Category.KILLED, IDLIB_TITLE, IDLIB_BODY)
    assert {9, 380_000} <= killed.keys()
    assert killed[9]["rules_head"] == 1.0 and killed[9]["in_title"] == 1.0 and killed[9]["cue_before"] == 1.0
    assert killed[380_000]["background_near"] == 1.0 and not killed[380_000].get("rules_head")
    wounded = by_value(Category.WOUNDED, IDLIB_TITLE, IDLIB_BODY)
    assert wounded[20]["cue_before"] == 1.0 and wounded[20]["rules_head"] == 1.0
    named = {k for k in set().union(*killed.values()) if not k.split("|")[-1].startswith(LEXICAL)}
    assert named <= set(FEATURES)
    assert killed[9]["w<:raids"] == 1.0 and killed[9]["killed|w<:raids"] == 1.0  # "Air raids kill 9"


def test_a_single_victim_without_a_number_is_an_option_of_one() -> None:
    killed = by_value(Category.KILLED, "Mali: UN peacekeeper killed, 8 seriously injured in attack", "")
    assert killed[1]["one_person_title"] == 1.0 and killed[1]["one_alone"] == 1.0
    plural = by_value(Category.KILLED, "Strikes kill dozens of people in Gaza", "")
    assert not plural.get(1, {}).get("one_alone")


def test_an_item_without_a_casualty_word_has_no_options() -> None:
    assert options(read_figures("Central bank holds rates", "Borrowing costs were unchanged.")) == []


def test_a_model_that_trusts_the_rules_reproduces_them_with_a_confidence() -> None:
    trust = RankerModel(weights={"rules_head": 8.0}, bias=-4.0, thresholds={"killed": 0.5, "wounded": 0.5})
    ranked = rank(IDLIB_TITLE, IDLIB_BODY, trust)
    rules = extract_casualties(IDLIB_TITLE, IDLIB_BODY)
    assert ranked.casualties.value(Category.KILLED) == rules.value(Category.KILLED) == 9
    assert ranked.casualties.value(Category.WOUNDED) == 20
    assert 0.9 < ranked.confidence[Category.KILLED] < 1.0
    assert RankerModel.from_json(trust.to_json()) == trust
