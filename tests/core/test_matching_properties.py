"""Property tests for the Matcher on a small hand-built gazetteer (fast, no datasets)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.gazetteer import Gazetteer, PlaceKind, PlaceRecord
from bot.core.matching import Matcher
from bot.core.normalize import normalize
from bot.core.watchlists import Region, Rule, Watchlist

CH = ("C0123456789",)


def _gazetteer() -> Gazetteer:
    return Gazetteer.build(
        [
            PlaceRecord("SY", "Syria", PlaceKind.COUNTRY, "SY", 17_000_000, primary=("Syria", "Syrian")),
            PlaceRecord(
                "SY-ID", "Idlib", PlaceKind.SUBDIVISION, "SY", primary=("Idlib", "إدلب"), parent="SY"
            ),
            PlaceRecord(
                "idlib-city", "Idlib", PlaceKind.CITY, "SY", 130_000, ("Idlib",), ("Idleb",), "SY-ID", "SY-ID"
            ),
            PlaceRecord(
                "saraqib", "Saraqib", PlaceKind.CITY, "SY", 34_000, ("Saraqib", "Saraqeb"), parent="SY-ID"
            ),
            PlaceRecord(
                "maarat",
                "Maarat al-Numan",
                PlaceKind.CITY,
                "SY",
                80_000,
                ("Ma'arrat al-Nu'man",),
                parent="SY-ID",
            ),
            PlaceRecord(
                "aleppo", "Aleppo", PlaceKind.CITY, "SY", 2_000_000, ("Aleppo", "Halab"), parent="SY"
            ),
            PlaceRecord("PS", "Palestine", PlaceKind.COUNTRY, "PS", 5_000_000, primary=("Palestine",)),
            PlaceRecord(
                "gaza", "Gaza Strip", PlaceKind.AREA, "PS", primary=("Gaza", "Gaza Strip"), parent="PS"
            ),
            PlaceRecord("ky", "Khan Younis", PlaceKind.CITY, "PS", 200_000, ("Khan Younis",), parent="gaza"),
        ]
    )


GAZ = _gazetteer()
VOCAB = [
    "Idlib", "Idleb", "إدلب", "Saraqib", "Saraqeb", "Ma'arrat al-Nu'man", "Aleppo", "Syria", "Gaza",
    "Khan Younis", "airstrike", "air strikes", "killed", "wounded", "displaced", "football", "earthquake",
    "ceasefire", "the", "market", "Gazaland", "skilled", "Saraqueb", "-", "'s", ",", "\n", "ـ", "AIRSTRIKE",
]  # fmt: skip
KEYWORDS = ("airstrike", "killed", "displaced", "ceasefire")

texts = st.lists(st.one_of(st.sampled_from(VOCAB), st.text(max_size=12)), max_size=25).map(" ".join)
terms = st.one_of(st.sampled_from(VOCAB), st.text(min_size=1, max_size=15)).filter(
    lambda t: bool(normalize(t))
)
rules = st.sampled_from(list(Rule))


def _watchlist(name: str, rule: Rule, exclude: tuple[str, ...] = ()) -> Watchlist:
    return Watchlist(
        name, CH, regions=(Region("Idlib"), Region("Gaza")), keywords=KEYWORDS, exclude=exclude, rule=rule
    )


@given(texts, texts, rules)
def test_never_raises_and_hits_point_into_the_text(title: str, summary: str, rule: Rule) -> None:
    matcher = Matcher([_watchlist("w", rule), Watchlist("k", CH, keywords=KEYWORDS, rule=Rule.KEYWORD)], GAZ)
    text = f"{title}\n{summary}"
    for match in matcher.match(title, summary):
        for hit in (*match.regions, *match.keywords):
            assert text[hit.start : hit.end] == hit.surface
            assert hit.surface.strip()


@given(st.text(), st.text())
def test_never_raises_on_arbitrary_unicode(title: str, summary: str) -> None:
    Matcher([_watchlist("w", Rule.ANY, exclude=("football",))], GAZ).match(title, summary)


@given(texts, texts, terms, rules)
def test_adding_an_excluded_term_never_adds_a_match(
    title: str, summary: str, excluded: str, rule: Rule
) -> None:
    matcher = Matcher([_watchlist("w", rule, exclude=(excluded,))], GAZ)
    before = {m.watchlist for m in matcher.match(title, summary)}
    after = {m.watchlist for m in matcher.match(title, f"{summary} {excluded}")}
    assert after <= before
    assert after == set()  # the appended exclusion always vetoes its own watchlist
    assert {m.watchlist for m in matcher.match(f"{excluded} {title}", summary)} == set()


@given(texts, texts, terms, rules, rules)
def test_another_watchlists_exclusion_never_changes_mine(
    title: str, summary: str, excluded: str, mine: Rule, theirs: Rule
) -> None:
    alone = Matcher([_watchlist("mine", mine)], GAZ).match(title, summary)
    together = Matcher([_watchlist("mine", mine), _watchlist("theirs", theirs, exclude=(excluded,))], GAZ)
    assert [m for m in together.match(title, summary) if m.watchlist == "mine"] == alone


@given(texts, texts)
def test_matching_is_deterministic_and_order_free(title: str, summary: str) -> None:
    a = Matcher([_watchlist("a", Rule.ANY), _watchlist("b", Rule.REGION)], GAZ)
    b = Matcher([_watchlist("b", Rule.REGION), _watchlist("a", Rule.ANY)], GAZ)
    key = {m.watchlist: m for m in a.match(title, summary)}
    assert key == {m.watchlist: m for m in b.match(title, summary)}


# Words that reach past the survey's quick test in every way: one- and two-word names, a descriptive
# alias (needs its country), the country as context, Arabic with a clitic, near-spellings.
SURVEY_VOCAB = [
    *VOCAB, "rebel-held areas", "rebel-held", "areas", "north-west Syria", "north-west", "syria", "Khan",
    "Younis", "khan younis", "بإدلب", "وإدلب", "Idlibb", "Sarakib", "Gaza Strip", "Strip", "Maarat",
]  # fmt: skip
survey_texts = st.lists(st.one_of(st.sampled_from(SURVEY_VOCAB), st.text(max_size=8)), max_size=20).map(
    " ".join
)


@given(survey_texts, survey_texts, rules)
def test_the_surveys_quick_test_never_drops_an_item_the_full_survey_keeps(
    title: str, summary: str, rule: Rule
) -> None:
    idlib = Watchlist(
        "idlib",
        CH,
        regions=(Region("Idlib", aliases=("rebel-held areas", "north-west Syria")),),
        keywords=KEYWORDS,
        rule=rule,
    )
    matcher = Matcher([idlib, _watchlist("both", rule)], GAZ)
    assert matcher.survey(title, summary) == matcher._survey(title, summary)


def test_the_surveys_quick_test_agrees_on_corpus_items(gazetteer: Gazetteer) -> None:
    from itertools import islice

    from bot.corpus import iter_corpus
    from config.settings import load_settings
    from tests.conftest import shared_path

    path = shared_path("corpus", "news2023.jsonl.gz")
    matcher = Matcher(load_settings(None, {}).watchlists, gazetteer)
    for item in islice(iter_corpus(path), 3_000):
        assert matcher.survey(item.title, item.description, link=item.link) == matcher._survey(
            item.title, item.description, link=item.link
        )
