"""Joining geonames admin1 codes to ISO provinces (``bot.geo_admin1``), and what the join gives watches."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Rule, Watchlist
from bot.geo_admin1 import Province, admin1_names_of_cities, link, main, match_province

ET = [Province("ET-TI", "Tigrai"), Province("ET-AM", "Amara"), Province("ET-OR", "Oromia")]
CD = [Province("CD-KE", "Kasaï Oriental"), Province("CD-KC", "Kasaï Central"), Province("CD-NK", "Nord-Kivu")]
IQ = [Province("IQ-BB", "Bābil"), Province("IQ-AN", "Al Anbār")]


def test_close_spellings_of_the_same_province() -> None:
    assert match_province("Tigray", ET) == ET[0]
    assert match_province("Amhara", ET) == ET[1]
    assert match_province("Oromiya", ET) == ET[2]
    assert match_province("Nord Kivu", CD) == CD[2]
    assert match_province("Anbar Governorate", IQ) == IQ[1]  # "governorate" and "al" do not count


def test_unclear_names_are_left_out() -> None:
    assert match_province("Kasai-Occidental", CD) is None  # west is not east, however alike the words
    assert match_province("Arbil", IQ) is None  # alike, but another letter first: another place
    assert match_province("Somewhere Else", ET) is None
    assert match_province("", ET) is None
    twins = [Province("XX-1", "Paktiya"), Province("XX-2", "Paktika")]
    assert match_province("Paktia", twins) is None  # no clear winner


def test_cities_vote_for_their_admin1_name_by_population() -> None:
    cities = [
        {
            "countrycode": "ET",
            "name": "Mekele",
            "latitude": 13.49,
            "longitude": 39.47,
            "admin1code": "53",
            "population": 300_000,
        },
        {
            "countrycode": "ET",
            "name": "Adigrat",
            "latitude": 14.27,
            "longitude": 39.46,
            "admin1code": "53",
            "population": 100_000,
        },
        {
            "countrycode": "ET",
            "name": "Nowhere",
            "latitude": 0.0,
            "longitude": 0.0,
            "admin1code": "53",
            "population": 5,
        },
    ]
    rows = [
        {"cc": "ET", "name": "Mek'ele", "lat": "13.4967", "lon": "39.4753", "admin1": "Tigray"},
        {"cc": "ET", "name": "Adigrat", "lat": "14.2772", "lon": "39.4622", "admin1": "Tigrai Region"},
        {
            "cc": "ET",
            "name": "Adigrat",
            "lat": "9.0",
            "lon": "38.0",
            "admin1": "Far Away",
        },  # too far: another town
    ]
    names = admin1_names_of_cities(cities, rows)
    assert names == {("ET", "53"): Counter({"Tigray": 300_000, "Tigrai Region": 100_000})}
    assert link(names, {"ET": ET}) == {"ET.53": {"iso": "ET-TI", "name": "Tigray"}}


def test_the_command_writes_the_links(tmp_path: Path) -> None:
    csv_file = tmp_path / "rg.csv"
    csv_file.write_text(
        "lat,lon,name,admin1,admin2,cc\n-12.97395,40.51775,Pemba,Cabo Delgado,,MZ\n", encoding="utf-8"
    )
    out = tmp_path / "admin1.json"
    assert main([str(csv_file), "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["links"]["MZ.01"] == {
        "iso": "MZ-P",
        "name": "Cabo Delgado",
    }


def test_provinces_hold_their_towns_when_the_capital_has_another_name(world: Gazetteer) -> None:
    def towns(region: str) -> set[str]:
        return {p.name for p in world.expand(region).places}

    assert {"Pemba", "Mocimboa da Praia"} <= towns("Cabo Delgado")
    assert {"Maiduguri", "Bama"} <= towns("Borno")
    assert {"Lashkar Gah"} <= towns("Helmand")
    assert {"Ramadi", "Al Fallujah"} <= towns("Anbar")
    assert {"Goma", "Beni"} <= towns("North Kivu")
    assert {"Bakhmut", "Mariupol", "Kramatorsk"} <= towns("Donetsk Oblast")
    tigray = world.resolve("Tigray")  # ISO spells it "Tigrai"; geonames' name is a name of it too
    assert tigray is not None and tigray.key == "ET-TI"


def test_a_province_watch_fires_on_its_towns(world: Gazetteer) -> None:
    watch = Watchlist("cabo", ("C0123456789",), regions=(Region("Cabo Delgado"),), rule=Rule.REGION)
    match = Matcher([watch], world).match("Insurgents attack Mocimboa da Praia", "")
    assert [h.place for m in match for h in m.regions] == ["Mocimboa da Praia"]
