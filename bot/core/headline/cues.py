"""The words a headline uses to report an event, attribute it, react to it or discuss it (pure data).

Everything here is about the *language of news headlines*, never about one conflict: no place,
party or person is named. ``reading.py`` puts the cues together.
"""

from __future__ import annotations

import re
from enum import StrEnum


class EventKind(StrEnum):
    """What happened, as a headline says it. The order is the order of precedence when a headline
    uses several cues ("Blast at hospital kills 500" is a blast, and casualties)."""

    BLAST = "blast"
    STRIKE = "strike"
    ATTACK = "attack"
    FIGHTING = "fighting"
    CAPTURE = "capture"
    DISASTER = "disaster"
    DISPLACEMENT = "displacement"
    AID = "aid"
    CEASEFIRE = "ceasefire"
    HOSTAGES = "hostages"
    TOLL = "toll"
    CASUALTIES = "casualties"


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


# Each kind: the words that report it happening. Nouns alone are enough for violent events (a
# headline naming an airstrike reports one); aid, displacement and truce words need a verb of
# change, because "aid", "refugees" and "ceasefire" are also what statements are about.
EVENT_CUES: dict[EventKind, re.Pattern[str]] = {
    EventKind.BLAST: _words(
        r"blasts?|explosions?|explodes?|exploded|detonat\w*|car bomb\w*|suicide bomb\w*|blow(?:s|n)? up|blew up|blowing up"
    ),
    EventKind.STRIKE: _words(
        r"air ?strikes?|air[- ]raids?|(?:missile|drone|rocket|artillery|air) (?:strikes?|attacks?|fire|barrages?)|"
        r"strikes? (?:on|hits?|kills?|in|near)|struck|bomb(?:s|ed|ing|ings|ard\w*)?|"
        r"shell(?:s|ed|ing)|missiles?|rockets?|drones? (?:hits?|attacks?|strikes?)|"
        r"(?:israeli|russian|regime|government|army|military) strikes?|pounds?|pounded|pounding|"
        r"(?:hit|hits|target\w*) (?:homes?|targets?|hospitals?|schools?|camps?|buildings?)|"
        r"deadly (?:strikes?|attacks?|blasts?|explosions?|bombings?|shelling|raids?)|"
        r"(?:hospital|school|market|camp|building|convoy|church|mosque|bakery|shelter) (?:strikes?|bombings?|attacks?|blasts?)"
    ),
    EventKind.ATTACK: _words(
        r"attack(?:s|ed)? (?:on|in|kills?|leaves?)|attacked|ambush\w*|massacre\w*|gunmen|shoot(?:s|ing)?|"
        r"shot dead|stormed|storms|assault(?:s|ed)|abducts?|kidnaps?|(?:abducted|kidnapped) (?:at least )?\d|"
        r"raids?|raided|killing spree|attacks? (?:hits?|hit)|"
        r"(?:attacks?|hits?|strikes?|struck|bombs?|pounds?) (?:more than |over |about |some |hundreds of |"
        r"dozens of )?(?:\d[\d,]* )?(?:targets|sites|positions)"
    ),
    EventKind.FIGHTING: _words(
        r"fighting|clash(?:es|ed)?|battles?|battling|battled|gunfire|firing|fire ?fight|heavy fire|"
        r"combat|skirmish\w*|offensive|counteroffensive|counter-offensive|ground (?:operation|assault|invasion)|"
        r"invade[sd]?|invasion|incursion|violence (?:erupts|flares|rages|spreads|escalates)|war (?:erupts|breaks out)|"
        r"erupts?|erupted|rages?|raged|rocks?|rocked|intensif\w*|escalat\w*|breaks? out|broke out"
    ),
    EventKind.CAPTURE: _words(
        r"seiz(?:e|es|ed|ing)|captur(?:e|es|ed|ing)|takes? control|took control|overr(?:un|an)|"
        r"recaptur\w*|retak(?:e|es|en)|retook|liberat\w*|advance[sd]?|withdraw\w*|encircl\w*"
    ),
    EventKind.DISASTER: _words(
        r"(?:earthquakes?|quakes?|aftershocks?|tremors?|floods?|floodwaters?|flooding|landslides?|mudslides?|cyclones?|"
        r"hurricanes?|typhoons?|storms?|wildfires?|fires?|blaze) (?:hits?|strikes?|struck|kills?|killed|jolts?|rocks?|"
        r"devastat\w*|levels?|flattens?|destroys?|destroyed|sweeps?|swamps?|submerg\w*|inundat\w*|engulfs?|"
        r"spreads?|rises?|rising|peaks?|forces?|displaces?|leaves?|toll|victims|survivors?)|"
        r"flash floods?|(?:deadly|heavy|massive|severe|catastrophic) (?:floods?|flooding|earthquakes?|quakes?)|"
        r"inundated|dams? (?:breach\w*|collapse\w*|burst\w*|destroyed|blown up|damaged)|"
        r"(?:breach|burst|collapse|destruction)\w* (?:of )?(?:the )?(?:\w+ )?dam|building collapses?|"
        r"rescue (?:efforts?|teams?|workers? (?:race|search|dig))|survivors? (?:pulled|found|rescued)|pulled (?:alive|from)|"
        r"under (?:the )?rubble"
    ),
    EventKind.DISPLACEMENT: _words(
        r"displaced|displacement|flee(?:s|ing)?|fled|exodus|evacuat(?:e|es|ed|ing|ions?)|"
        r"(?:ordered|told) to (?:leave|move|go)|forced (?:from|out of) (?:their )?homes|homeless|"
        r"refugees\b[^.;:]{0,30}\b(?:arrive|arrived|arriving|cross|crossed|crossing|pour|poured|pouring|flood into)"
    ),
    EventKind.AID: _words(
        r"(?:aid|relief|humanitarian) (?:convoys?|trucks?|lorries|flights?|shipments?|corridor)|convoys?|"
        r"(?:aid|trucks?|lorries|fuel|supplies) (?:enters?|entered|arrives?|arrived|reach(?:es|ed)?|cross(?:es|ed)?|"
        r"blocked|halted|stopped|suspended|delivered|allowed)|"
        r"crossing (?:opens?|opened|reopens?|reopened|closed|closes|shut)|(?:opens?|reopens?|closes?|shuts?) (?:the )?crossing|"
        r"(?:runs?|ran|running) out of|forced to (?:close|shut)|shut(?:s)? down|out of (?:fuel|power|water|food)|"
        r"crossings?\b[^.;:]{0,40}\b(?:is |was |are )?(?:hobbled|damaged|blocked|closed|shut)|"
        r"aid\b[^.;:]{0,30}\b(?:crosses|crossed|enters|entered|arrives|arrived|reaches|reached)|"
        r"(?:approves?|approved|allows?|allowed|blocks?|blocked|halts?|halted) (?:\w+ )?(?:aid|deliver(?:y|ies)|convoys?|access)|"
        r"siege|blockade|cut off|cuts off"
    ),
    EventKind.CEASEFIRE: _words(
        r"(?:ceasefire|cease-fire|truce|pause|armistice) (?:begins?|began|starts?|started|takes? effect|took effect|"
        r"holds?|held|agreed|announced|extended|collapses?|collapsed|breaks? down|broke down|ends?|ended|violated|"
        r"comes? into (?:force|effect)|deal)|(?:agree|agreed|agrees|announce[sd]?|extend(?:s|ed)?|break(?:s)?|broke|"
        r"violat(?:e|es|ed|ing)) (?:a |the )?(?:\w+ )?(?:ceasefire|cease-fire|truce|pause)|"
        r"(?:ceasefire|truce) violations?|first day of (?:the )?(?:truce|ceasefire|pause)"
    ),
    EventKind.HOSTAGES: _words(
        r"(?:hostages?|captives?|prisoners?|detainees?) (?:released|freed|handed over|exchanged|swap\w*|return(?:ed)?)|"
        r"(?:releases?|frees?|freed|hands? over|swap(?:s|ped)?) (?:\w+ )?(?:hostages?|captives?|prisoners?|detainees?)|"
        r"prisoner (?:exchange|swap)|hostage (?:release|exchange|swap|deal)"
    ),
    EventKind.TOLL: _words(
        r"death toll|toll (?:rises?|rose|climbs?|climbed|jumps?|jumped|reaches?|reached|passes?|passed|nears?|"
        r"neared|tops?|topped|hits?|surpasses?|exceeds?|soars?)|(?:rises?|rose|climbs?) to \d[\d,]*"
    ),
}

# A disaster named as a noun ("after the earthquake"): enough to say what a toll is of, not to report one.
DISASTER_NOUNS = _words(
    r"earthquakes?|quakes?|floods?|flooding|floodwaters?|dam (?:breach|collapse|burst|disaster|explosion|destruction)|"
    r"landslides?|cyclones?|hurricanes?|typhoons?|wildfires?|tsunami"
)

# An event named as a noun, as the subject of commentary ("Putin's dam attack is a dangerous escalation").
EVENT_NOUNS = _words(
    r"attacks?|strikes?|air ?strikes?|blasts?|bombings?|shelling|raids?|offensive|counteroffensive|invasion|"
    r"breach|collapse|destruction|explosions?|massacre|siege|blockade|war|fighting|clashes"
)

# Words that mark a count of people harmed; a number beside them makes a casualty report.
CASUALTY_WORDS = _words(
    r"kill(?:s|ed|ing)?|dead|deaths?|died|dies|dying|wound(?:s|ed|ing)?|injur(?:e|es|ed|ing|ies)|hurt|"
    r"casualties|bodies|lives lost|massacred|slain|murdered"
)

# Verbs that attribute news to a source: "X says 71 killed", "Ukraine accuses Russia of blowing up dam".
# What follows them is the report when it is an event.
ATTRIBUTION = _words(
    r"says?|said|claims?|claimed|confirms?|reports?|accuses?|accused|blames?|blamed|admits?|admitted|"
    r"trade blame|denies|denied|insists?"
)
# Verbs of a reaction, a statement of intent or diplomacy: "Iran warns", "EU leaders meet".
REACTION = _words(
    r"warns?|warned|urges?|urged|calls? (?:for|on)|called (?:for|on)|vows?|vowed|pledges?|pledged|promises?|"
    r"promised|condemns?|condemned|slams?|slammed|rejects?|rejected|tells?|told|discuss(?:es|ed)?|meets?|"
    r"met with|visits?|visited|to visit|will (?:travel|visit|go)|travels? to|heads? to|reacts?|reacted|responds?|"
    r"appeals?|appealed|asks?|demands?|demanded|criticis\w*|criticiz\w*|welcomes?|welcomed|praises?|hails?|"
    r"threatens?|threatened|pleads?|pleaded|stresses|expresses|lobby|announces?|announced|hints?|hinted|"
    r"signals?|mulls?|weighs?|decr(?:y|ies)|mourns?|cancels?|cancelled|canceled"
)
SPEECH = re.compile(f"{ATTRIBUTION.pattern}|{REACTION.pattern}", re.IGNORECASE)
# Speakers whose words about casualties or attacks are the report itself (officials on the ground,
# the parties, monitors, rescuers, hospitals), as opposed to leaders abroad reacting.
SOURCE_SPEAKERS = _words(
    r"officials?|authorit(?:y|ies)|ministry|health ministry|medics?|doctors?|hospitals?|rescuers?|"
    r"civil defen[cs]e|red crescent|red cross|monitor|observatory|police|army|military|militants?|rebels?|"
    r"forces|spokes(?:man|woman|person)|governor|mayor|residents?|witness(?:es)?|sources?|union|"
    r"health workers?|emergency services?|un agency|unrwa|ocha|who"
)
# Hedges of what has not happened: plans, threats, fears and could-be's.
HYPOTHETICAL = _words(
    r"could|would|may|might|plans?|planning to|set to|poised to|prepares? to|preparing to|threatens? to|"
    r"vows? to|to (?:invade|launch|strike|attack|send|give|open|allow|deliver|provide)|"
    r"expected to|fears?|feared|fearing|risk of|on the brink|looms?|considers?|mulls?|if|attempts? to|trying to|tries to|"
    r"try to|seeks? to|struggles? to|hopes? to|probably|likely|possibly|perhaps"
)
# Clause boundaries: the event after one of these is background to the main clause.
SUBORDINATE = re.compile(
    r"\s(?:as|after|amid|amidst|despite|while|following|ahead of)\s|\s[-–—]\s(?:as|after)\s",
    re.IGNORECASE,
)
# A headline that opens with the background clause ("Amid air strikes, Gaza's internet …").
LEADING_SUBORDINATE = re.compile(
    r"^(?:as|after|amid|amidst|despite|while|following|when|with)\b[^,]{3,80},\s*", re.I
)
# Verbs of consequence: "Dam breach gives Russia a new weapon", "Strike on hospital leads to clashes":
# the event is the subject, already known; the headline is about what it means or causes.
CONSEQUENCE = _words(
    r"gives?|leads? to|led to|complicates?|exposes?|shakes?|pushes|raises?|sparks?|fuels?|deepens?|"
    r"highlights?|underscores?|reveals?|tests?|puts?|sends? (?:prices|shockwaves|markets)|hits? (?:markets|prices|"
    r"economy|supplies|exports)|drives? up|casts?|threatens?|jeopardi[sz]es?|reshapes?|changes?|means?|"
    r"(?:a |is a |as a )?threat to|is an? |are an? |marks? an? "
)

# Diplomacy and politics as the subject: talks, a summit, a resolution report no event.
DIPLOMACY = _words(
    r"talks|summit|meeting|resolution|sanctions|diplomatic|diplomacy|negotiations?|mediation|visit|trip|"
    r"conference|election|vote|parliament|lawmakers"
)

# Forms that are not event reports, whatever words they use.
EXPLAINER = _words(
    r"what (?:we|you) know|what to know|what you need to know|explained|explainer|a (?:basic|simple) guide|"
    r"in (?:maps|charts|numbers|pictures)|visuali[sz]ing|timeline|the story (?:of|behind)|inside (?:the|a)|"
    r"the (?:[\w'’-]+ ){1,3}behind the|"
    # Numbered lists: "Five environmental impacts of the dam collapse", "3 things to know".
    r"(?:\d+|three|four|five|six|seven|eight|nine|ten) (?:[\w'’-]+ )?(?:things|ways|impacts|reasons|questions|"
    r"takeaways|facts|charts|maps|lessons|consequences)"
)
ROUNDUP = _words(
    r"briefing|newsletter|first thing|morning (?:mail|report)|evening (?:standard|report)|the papers|"
    r"key events|list of key|week in|weekly|digest|round-?up|what happened|news quiz|podcast"
)
ANALYSIS = _words(
    r"analysis|opinion|comment|editorial|column|op-ed|view|letters?|interview|review|obituary|perspective|"
    r"essay|inside story|the big picture|explainer"
)
LIVE = _words(r"live|live updates|live blog|as it happened|latest updates?")
MEDIA = _words(r"watch|video|photos?|pictures|in pictures|gallery|footage|listen|audio")
# "Video shows …", "Images show …": a description of pictures, not a report of its own.
MEDIA_DESCRIPTION = _words(
    r"(?:video|footage|images?|photos?|pictures)\b[^.;:]{0,40}?\b(?:shows?|showed|reveals?|captures?|appears? to show)"
)
# A war's name ("the Israel-Gaza war", "Sudan conflict") places nothing: the region is a side's name.
WAR_NAME = re.compile(
    r"\b[\w'’]+[-–][\w'’]+ (?:war|conflict|crisis)\b|\b(?:war|conflict) (?:in|on|over) [\w'’]+\b",
    re.IGNORECASE,
)

# A leading label before a colon or a pipe ("Israel-Hamas war:", "WATCH:", "Sudan crisis |").
KICKER = re.compile(r"^\s*((?:[^\s:|]+\s+){0,4}[^\s:|]+)\s*[:|]\s+(?=\S)")
# A trailing source or section tag (" - Der Spiegel", " | First Thing", " – Envoy").
TRAILER = re.compile(r"\s+[-–—|]\s+([A-Z][\w'.& ]{1,30}|First Thing)\s*$")
