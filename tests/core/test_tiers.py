"""The tier of an item for a watchlist, and the severity of a pushed event."""

from __future__ import annotations

from bot.core.figures import Casualties, Category, Headline
from bot.core.gazetteer import Gazetteer
from bot.core.headline import read_headline
from bot.core.matching import Matcher
from bot.core.tiers import Placement, Tier, decide_tier, placement
from bot.core.tiers.severity import SEVERE, severity
from bot.core.watchlists import Region, Rule, Watchlist

GAZA = Watchlist(
    "gaza", ("C0GAZA00001",), (Region("Gaza"),), ("strike", "killed", "aid", "truce"), rule=Rule.REGION
)


def tier_of(
    gazetteer: Gazetteer, title: str, summary: str = "", *, genre: str | None = None
) -> tuple[Tier, str]:
    (survey,) = Matcher([GAZA], gazetteer).survey(title, summary)
    decision = decide_tier(
        read_headline(title), match=survey.match, summary=summary, rule_met=survey.rule_met, genre=genre
    )
    return decision.tier, decision.why


def test_an_event_in_the_region_pings(gazetteer: Gazetteer) -> None:
    tier, why = tier_of(gazetteer, "Air strike on a Gaza school kills 6", "Six people were killed.")
    assert tier is Tier.PUSH and "Gaza in the title" in why
    lead, _ = tier_of(
        gazetteer, "Hamas says a top commander was killed in a strike", "A strike in Gaza City killed him."
    )
    assert lead is Tier.PUSH  # the region in the first sentence places it


def test_statements_analysis_and_features_wait_for_the_digest(gazetteer: Gazetteer) -> None:
    for title, reason in [
        ("Iran warns of preemptive action over Gaza", "statement"),
        ("Why aid for Gaza is still stuck at the border", "explainer"),
        ("Will the truce in Gaza hold?", "question"),
        ("A man and his donkey keep Gaza's people supplied with water", "no attack"),
    ]:
        tier, why = tier_of(gazetteer, title)
        assert tier is Tier.DIGEST and reason in why, (title, why)
    tier, why = tier_of(gazetteer, "Strikes hit Gaza again", genre="comment/analysis section (/opinion/)")
    assert tier is Tier.DIGEST and "/opinion/" in why  # the genre cue is a reason, not a silent veto


def test_a_passing_mention_is_dropped_and_says_so(gazetteer: Gazetteer) -> None:
    summary = "Markets rallied on Tuesday. " + "Traders shrugged off news. " * 12 + "Gaza was mentioned."
    tier, why = tier_of(gazetteer, "Stocks rise as oil falls", summary)
    assert tier is Tier.DROP and "only in passing" in why


def test_the_watchlist_rule_still_decides_what_may_ping(gazetteer: Gazetteer) -> None:
    strict = Watchlist("gaza", ("C0GAZA00001",), (Region("Gaza"),), ("convoy",))
    (survey,) = Matcher([strict], gazetteer).survey("Gaza flooded after winter storm", "")
    assert not survey.rule_met
    decision = decide_tier(
        read_headline("Gaza flooded after winter storm"), match=survey.match, summary="", rule_met=False
    )
    assert decision.tier is Tier.DIGEST and "none of the watch words" in decision.why
    assert placement(survey.match, "") is Placement.TITLE


def test_severity_scores_figures_kind_and_place() -> None:
    killed = Casualties(killed=Headline(Category.KILLED, 500, "at least"))
    grave = severity("blast", killed, place="Gaza City", first_from_place=True)
    assert grave.severe and grave.score >= SEVERE
    assert grave.reasons == ("new event", "toll of 100 or more", "first report from Gaza City")
    minor = severity("fighting", Casualties(), place="Khartoum", first_from_place=False)
    assert not minor.severe and minor.reasons == ("new event",)
    assert severity("disaster", Casualties(), place=None, first_from_place=False).reasons[-1] == "a disaster"


def test_a_region_named_only_in_a_wars_name_places_nothing(gazetteer: Gazetteer) -> None:
    tier, why = tier_of(
        gazetteer,
        "More than 200 Australians evacuated from Tel Aviv amid Israel-Gaza war arrive home",
        "The flights landed in Sydney on Tuesday.",
    )
    assert tier is Tier.DIGEST and "side of a war's name" in why
