"""The compiled vocabulary of the casualty extractor: triggers, cues and word lists.

Kept apart from the extraction logic so the rules read as prose there and every pattern is
compiled exactly once, at import. All patterns are case-insensitive unless noted.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Stems of every casualty word; an item whose lower-cased text holds none of them exits at once.
# Kept tight ("flee " not "flee", which is in "fleet"): each stem that fires on ordinary news costs
# a full extraction pass.
TRIGGER_STEMS: tuple[str, ...] = (
    "kill", "dead", "death", "died", " dies", "dying", "wound", "injur", "hurt", "displac", "fled ",
    "flee ", "fleeing", "homeless", "evacuat", "refuge", "missing", "unaccounted", "bodies", " body",
    "remains of", "remains were", "human remains", "remains believed", "remains found", " toll",
    "casualt", "their lives", "lives lost", "lives were lost", "lives of", "executed", "execution",
    "murder", "stabb", "slain", "fatal", "perish", "drown", "massacr", "vanish", "disappear", "strangl",
    "own life", "for his life", "for her life", "their homes", "family members", "assassin",
)  # fmt: skip
# Cheap guards: a family of patterns is only run when one of its words is in the lower-cased text.
NUMBER_HINTS: tuple[str, ...] = (
    " one", " two", "three", " four", "five", " six", "seven", "eight", " nine", " ten", "eleven", "twelve",
    "teen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "dozen",
    "hundred", "thousand", "million", "billion", "scores", " an ", " a ", " both",
)  # fmt: skip
NATURAL_HINTS: tuple[str, ...] = (
    "cancer", "melanoma", "leuk", "tumo", "stroke", "heart", "cardiac", "illness", "natural", "dementia",
    "alzheimer", "parkinson", "pneumonia", "old age",
)  # fmt: skip
OBITUARY_HINTS: tuple[str, ...] = ("tribute", "passed away", "battle", "aged", " age ")
KILLED_HINTS: tuple[str, ...] = (
    "kill", "murder", "slain", "dead", "death", "died", "dies", "strangl", "remains", "body", "own life",
    "succumb", "fatal", "execut", "assassin",
)  # fmt: skip
WOUNDED_HINTS: tuple[str, ...] = ("injur", "wound", "hurt", "fighting for", "suffer", "sustain")
ATTACKED_HINTS: tuple[str, ...] = ("stabbed", "knifed", "shot", "mauled")
MISSING_HINTS: tuple[str, ...] = ("missing", "vanish", "disappear")
ZERO_HINTS: tuple[str, ...] = (
    "no one",
    "noone",
    "nobody",
    "no death",
    "no fatal",
    "no injur",
    "no casualt",
    "no report",
    "no immediate",
    "no other",
    "no further",
    "no serious",
    "without",
)

PERSON = (
    r"(?:man|woman|boy|girl|child|kid|baby|toddler|infant|newborn|teenager|teen|youth|person|pilot|guard|"
    r"soldier|serviceman|officer|policeman|policewoman|cop|assailant|attacker|gunman|suspect|driver|"
    r"passenger|student|worker|tourist|journalist|reporter|photographer|mother|father|son|daughter|"
    r"wife|husband|brother|sister|grandmother|grandfather|grandson|granddaughter|victim|civilian|"
    r"resident|pedestrian|cyclist|motorist|contractor|doctor|nurse|medic|paramedic|firefighter|miner|"
    r"farmer|fisherman|shepherd|priest|imam|pastor|teacher|pupil|schoolgirl|schoolboy|camper|hiker|"
    r"climber|skier|swimmer|diver|sailor|fighter|militant|commander|chief|leader|official|politician|"
    r"activist|protester|prisoner|inmate|detainee|hostage|migrant|refugee|national|citizen|rapper|"
    r"singer|actor|actress|star|partner|girlfriend|boyfriend|fiance|fiancee|friend|neighbour|neighbor|"
    r"classmate|colleague|employee|security\s+guard|worshipper|villager|shopkeeper|owner|customer|"
    r"teenage\s+girl|teenage\s+boy|pensioner|grandmother|mum|mom|dad|toddler|student|cleric|general|"
    r"colonel|sergeant|private|marine|trooper|warlord|dissident|opponent|critic|blogger|influencer|walker|"
    r"jogger|runner|model|guide|ranger|monk|nun|volunteer|engineer|crew\s+member|porter|herder|trader|vendor|"
    r"bystander|passer-by|guest|spectator|journalist|cameraman|aid\s+worker|niece|nephew|cousin|aunt|uncle|"
    r"grandchild|stepson|stepdaughter|[a-z]+-(?:year|month|week|day)-old)"
)
# Roles that are killed more than they die ("Taliban kill suspected bomb mastermind"): read after a
# killing verb only, which keeps PERSON, run over whole texts, from growing.
ROLE = (
    r"(?:mastermind|ringleader|candidate|mayor|governor|senator|lawmaker|judge|lawyer|businessman|"
    r"businesswoman|dealer|carrier|postman|hirer|landlord|tenant)"
)

GROUP_NOUNS = frozenset(
    """people persons civilians children kids soldiers troops servicemen militants fighters rebels
    insurgents jihadists gunmen police policemen officers workers miners migrants refugees women men
    students pupils protesters demonstrators passengers tourists journalists worshippers villagers
    residents members pilots guards inmates prisoners detainees hostages babies infants toddlers
    teenagers boys girls adults victims family relatives farmers fishermen firefighters doctors nurses
    medics paramedics staff employees personnel skiers climbers hikers americans palestinians
    israelis ukrainians russians syrians afghans iraqis sudanese lebanese britons nationals citizens
    pedestrians motorists patients elderly physicians shoppers spectators fans mourners families
    households peacekeepers suspects servicemembers sons daughters stepsons stepdaughters brothers
    sisters siblings grandchildren nephews nieces cousins friends classmates colleagues""".split()
)

# The words right after a count, up to the first punctuation mark: only they can name its group.
ATTACHED_WORDS = re.compile(
    r"^\s+(?P<of>of\s+(?:the\s+)?)?(?:(?:more|other|further|additional)\s+)?"
    r"(?P<words>[A-Za-z][\w'’-]*(?:[ \t]+[A-Za-z][\w'’-]*){0,2})"
)
# Words that end the noun phrase after a count before any group noun is seen.
PHRASE_STOP = frozenset(
    """and or but in on at after before as while when since during from to for by with that which who
    whom were was have has had are is be been being will would could may might of killed dead died
    wounded injured hurt missing displaced fled said says say told reported according including among
    the a an this these those it they he she we i""".split()
)
REPORTING_VERBS = frozenset(
    """said say says told tell reported report reports claimed claim claims confirmed confirm confirms
    added announced announces stated state states according""".split()
)
# Nouns that make a compound with the group noun after them: "aid workers", "security personnel".
GROUP_MODIFIERS = frozenset(
    """aid health medical rescue relief humanitarian security police army border emergency hospital
    factory construction farm mine oil media un red family crew""".split()
)
# Heads that keep a group-noun modifier in front: "police officers", "family members".
HEAD_NOUNS = frozenset("officers members workers personnel staff".split())
# "members of one family", "members of the town council", "members of Islamic State": the body they
# belong to. Lower-case bodies only from this list; an adjective ("the extremist …") names nothing.
MEMBERS_OF = re.compile(
    r"\bmembers\s+of\s+(?:(?:the|a|an|one|his|her|their|same|single|its|this|that|local)\s+){0,2}"
    r"(?:(?P<kin>[^,.;]{0,40}?['’]s\s+(?:[a-z]+\s+)?(?:family|household))\b|(?P<body>(?:[a-z-]+\s+)?(?:family|families|household|crew|team|council|militia|gang|congregation|"
    r"security\s+forces|armed\s+forces|police|parliament|staff|band|club|church))\b"
    r"|(?-i:(?P<name>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})))",
    _I,
)

# Group nouns that are peoples: shown capitalised ("9 Palestinians killed").
DEMONYMS = frozenset(
    """americans palestinians israelis ukrainians russians syrians afghans iraqis sudanese lebanese
    britons""".split()
)

NON_PERSON = frozenset(
    """homes houses buildings structures vehicles cars trucks lorries buses animals dogs cats horses
    cattle cows sheep goats camels livestock birds fish whales dolphins elephants trains flights drones
    missiles rockets shells tanks aircraft planes jets helicopters ships vessels boats trees acres
    hectares schools hospitals shops businesses apartments flats votes seats points goals runs wickets
    shares jobs barrels doses cases pets chickens pigs bees animals properties dwellings tents
    appointments operations attacks strikes raids incidents crimes""".split()
)

# Words that may sit between a number and its trigger ("nine [civilians] were killed").
_STOP = (
    r"(?:and|or|but|in|on|at|after|before|as|while|when|since|during|from|to|for|by|with|that|which|"
    r"could|would|might|may|will|can|should|must|shall|not|if|than|into|onto|over|under|amid|despite|"
    r"through|across|against|near|outside|inside|without|killed|dead|died|wounded|injured|hurt|missing|"
    r"displaced|fled|said|says|say|told|reported|according|including|among|whom|where|the|its|their|"
    r"this|these|those|homes|houses|buildings)"
)
_GROUP_TOKEN = rf"(?!{_STOP}\b)[A-Za-z][\w'’.-]*"
_AUX = (
    r"(?:were|was|have|has|had|are|is|been|being|got|get|reportedly|allegedly|confirmed|now|all|later|"
    r"also|feared|believed|thought|still|so\s+far|already|who|were\s+left|remain|remained|remains|"
    r"subsequently|eventually|either|tragically|mistakenly|instantly|seriously|critically|badly|"
    r"slightly|severely|lightly|fatally|more|others|other|people|presumed|officially|found)"
)
_KILLED_AFTER = (
    r"killed|dead|died|die|dying|deaths|fatalities|perished|slain|murdered|executed|drowned|massacred|"
    r"lost\s+their\s+lives|shot\s+dead|shot\s+and\s+killed|stabbed\s+to\s+death|burned\s+to\s+death|"
    r"beaten\s+to\s+death|to\s+death|bodies|lives\s+were\s+lost|lives\s+lost|succumbed"
)
_WOUNDED_AFTER = (
    r"wounded|injured|hurt|injuries|suffer(?:ed|s|ing)?\s+(?:[\w-]+\s+){0,2}?(?:injuries|wounds|burns)|"
    # how reports say it without the word: "25 dead, scores hospitalised", "two in critical condition"
    r"hospitali[sz]ed|in\s+(?:a\s+)?(?:critical|serious|grave|life-threatening)\s+condition|"
    r"(?:taken|rushed|airlifted|admitted)\s+to\s+(?:a\s+|the\s+)?hospital|fighting\s+for\s+(?:their|his|her)\s+li(?:fe|ves)"
)
_DISPLACED_AFTER = (
    r"displaced|(?:made|left|rendered)\s+homeless|evacuated|uprooted|forced\s+(?:out\s+of|from)|"
    r"(?:fled|flee|flees|fleeing)\b(?!\s+(?:the\s+scene|on\s+foot|in\s+(?!panic|fear|terror|droves|boats)|custody|jail|prison|"
    r"police|officers|authorities|with\b|after\s+(?:the|a)\s+(?:attack|shooting|robbery|raid)))|"
    r"(?:sought|seeking|taken|took)\s+refuge\b|"
    r"(?:refugees|migrants)\s+(?:from\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s+)?(?:are\s+|were\s+|have\s+|"
    r"had\s+)?(?:been\s+)?(?:stuck|stranded|expelled|arrived|crossed)"
)
_MISSING_AFTER = r"missing|unaccounted\s+for|unaccounted"

# "five members of the same family": the whole a counted group is part of.
_OF_WHOLE = r"(?:\s+of\s+(?:the|a|an|one|his|her|their|its)(?:\s+(?:same|single))?\s+[A-Za-z][\w'’-]*)"
AFTER = re.compile(
    rf"^(?P<group>(?:\s+{_GROUP_TOKEN}){{0,4}}?{_OF_WHOLE}?)(?:\s+['‘\"“]?{_AUX}){{0,3}}\s+['‘\"“]?(?:"
    rf"(?P<killed>{_KILLED_AFTER})|(?P<wounded>{_WOUNDED_AFTER})|(?P<displaced>{_DISPLACED_AFTER})|"
    rf"(?P<missing>{_MISSING_AFTER}))\b",
    _I,
)

_DET = r"(?:(?:the|another|an\s+additional|a\s+further|all|its|his|her|their|some)\s+)?[\"'‘“]?"
# A verb right before the count: "killed at least nine", "wounding 26", "displacing tens of thousands".
# Anchored at the end of a short window (the caller passes ~50 characters).
BEFORE = re.compile(
    rf"""(?:
      (?P<killed>\b(?:kill(?:ed|s|ing)?|claim(?:ed|s|ing)?\s+the\s+lives\s+of|murder(?:ed|s|ing)?|
         massacr(?:ed|es|ing)|slaughter(?:ed|s|ing)?|execut(?:ed|es|ing)|shot\s+dead|shoots?\s+dead|
         shooting\s+dead|bodies\s+of|remains\s+of|deaths?\s+of|killings?\s+(?:in\s+error\s+)?of|massacre\s+of|(?:cost|took|taken)\s+the\s+lives\s+of|
         recovered|beat|burned|burnt|stoned|hacked)\s+{_DET})
    | (?P<wounded>\b(?:wound(?:ed|s|ing)?|injur(?:ed|es|ing|e)|hurt(?:ing|s)?|maim(?:ed|ing|s)?)\s+{_DET})
    | (?P<displaced>\b(?:displac(?:ed|es|ing|e)|uproot(?:ed|s|ing)?|evacuat(?:ed|es|ing|e)|
         forc(?:ed|es|ing|e)|driv(?:en|ing|es)|sent|send(?:s|ing)?|prompt(?:ed|s|ing)?|
         caus(?:ed|es|ing|e))\s+{_DET})
    | (?P<lost>\blos(?:t|es|ing|e)\s+{_DET})
    )\Z""",
    _I | re.VERBOSE,
)
# "death toll rises to 141", "the toll in Israel rose past 800": the count is the (updated) toll.
BEFORE_TOLL = re.compile(
    r"""(?:\b(?:death|casualty|fatality)?\s*toll\b(?:\s+[\w'’,.-]+){0,12}?\s+
         (?:(?:has|had|is|was|now|officially|further|also|reportedly|already)\s+)*
         (?:(?P<rise>rises|rose|risen|rising|climbs|climbed|climbing|jumps|jumped|passes|passed|
             passing|tops|topped|reaches|reached|hits|hit|exceeds|exceeded|surpasses|surpassed|
             increases|increased|soars|soared|grows|grew|mounts|mounted|nears|neared|crosses|crossed|
             approaches|approached|approaching|nearing|swells|swelled|doubles|doubled)
           \s*(?:to|past|above|beyond|over)?|(?:is\s+|was\s+|now\s+)?(?:estimated|put|placed)\s+at
           \s*(?:to|past|above|beyond|over)?|stands\s+at|stood\s+at|of|at|to|is|was|reached)\s+
       | \b(?:death|casualty)\s+toll\s+(?:of|at)?\s*)\Z""",
    _I | re.VERBOSE,
)
AND_TAIL = re.compile(r"\band\s+(?:\w+\s+)?\Z", _I)
FORCED_TAIL = re.compile(
    r"^(?:\s+[\w'’-]+){0,2}?\s+(?:(?:from|out\s+of)\s+(?:their\s+)?(?:homes?|houses)|to\s+flee|fleeing)", _I
)
FAMILY_TAIL = re.compile(
    r"^\s+(?:(?:of\s+(?:his|her|their)\s+)?(?:family|relatives|loved\s+ones|children|sons|daughters|"
    r"members\s+of\s+(?:his|her|their)\s+family)|lives)",
    _I,
)
SUBSET_BEFORE = re.compile(
    r"(?:\bincluding|\bincluded|\bamong\s+them|\bamong\s+whom|\bof\s+whom|\bof\s+them|\bmostly|\bmost\s+of\s+them"
    r"|\bamong\s+the\s+dead\s+(?:are|were)|\bamong\s+the\s+victims\s+(?:are|were))\s*,?\s*\Z",
    _I,
)
# "six civilians, two of them women": a count followed by "of them" is a part of the one before it.
SUBSET_AFTER = re.compile(
    r"\s+(?:of|among)\s+(?:them|whom|those|the\s+(?:dead|victims|wounded|injured|killed|casualties))\b", _I
)
# "two women, one who …": a bare count set after a listed group, told apart by a relative clause.
APPOSITIVE_PART = re.compile(r"\s+(?:who|whose)\b", _I)
# Who flees a scene rather than a home: their "fled" is no displacement.
ESCAPERS = re.compile(
    r"\b(?:gunm[ae]n|attackers?|assailants?|suspects?|robbers?|thieves|thief|militants?|fighters?|rebels?|"
    r"insurgents?|jihadists?|soldiers?|troops|police|officers?|prisoners?|inmates?|detainees?|convicts?|"
    r"drivers?|killers?|kidnappers?|abductors?|perpetrators?|men)\b",
    _I,
)
FIGURE_WORD = re.compile(r"^\s+(?:[\w'’-]+\s+){0,2}?(?P<noun>[\w'’-]+)", _I)

HYPOTHETICAL = re.compile(
    r"\b(?:could|would|might|will|to\s+avoid|avoid(?:ing|ed)?|prevent(?:ing|ed|s)?|risk(?:s|ing|ed)?|"
    r"threat(?:en|ens|ened|ening)?|fears?\s+that|warn(?:s|ed)?\s+(?:that|of)|plot(?:s|ted|ting)?\s+to|"
    r"plan(?:s|ned|ning)?\s+to|conspir(?:ed|ing|acy)\s+to|tried\s+to|try(?:ing)?\s+to|attempt(?:s|ed|ing)?\s+to|want(?:s|ed)?\s+to|"
    r"intend(?:s|ed)?\s+to|if|unless|potential(?:ly)?|projected|forecast|estimates?\s+that)\b|\bmay\b",
)
NOT_HARM_BEFORE = re.compile(
    r"\b(?:host(?:s|ing|ed)?|hous(?:es|ing|ed)|shelter(?:s|ing|ed)?|treat(?:s|ing|ed)?|car(?:es|ing)\s+for|"
    r"link(?:ed)?\s+to|tied\s+to|blamed\s+for|responsible\s+for)\s+(?:the\s+|some\s+)?\Z",
    _I,
)

# Context that makes a figure a background total rather than the reported event.
STRONG_BACKGROUND = re.compile(
    r"""\bsince\s+(?:(?:early|late|mid|the\s+start\s+of|the\s+beginning\s+of)[\s-]+)?(?:1[89]\d\d|20\d\d)\b
    | \bsince\s+(?:it|the\s+(?:war|conflict|fighting|invasion|uprising|revolution|crisis))\s+
        (?:broke\s+out|began|started|erupted)
    | \b(?:war|conflict|fighting|violence|insurgency|uprising|crisis|invasion|campaign|offensive|
         revolution)\s+(?:that|which)\s+(?:has|have|had)\s+(?:so\s+far\s+|now\s+)?(?:killed|claimed|left|
         displaced|forced|uprooted|cost)
    | \b(?:war|conflict)\s+(?:has|had)\s+(?:so\s+far\s+|now\s+)?(?:killed|claimed|left|displaced|uprooted)
    | \bin\s+(?:the\s+(?:past|last|first)\s+)?(?:\w+\s+)?(?:months|years|weeks|decades)\b
    | \bin\s+recent\s+(?:days|weeks|months|years)
    | \bover\s+the\s+(?:past|last)\s
    | \bso\s+far\s+this\s+year | \bthis\s+year\b | \blast\s+year\b | \bthroughout\s+the\b
    | \b(?:every|each|per)\s+(?:year|month|week|day)\b | \bannually\b | \ba\s+year\b(?!\s+(?:ago|after|since))
    | \bin\s+total\b | \ball\s+told\b | \bsince\s+the\s+(?:start|beginning|outbreak)\b
    | \bago\b | \bhonou?r(?:s|ed|ing)?\s+(?:the\s|those\s|victims|\d) | \bcommemorat
    | \bmemorial\b(?<!during\smemorial)(?<!during\sa\smemorial)(?<!at\sa\smemorial)(?<!during\sthe\smemorial)
    | \banniversary\b
    | \b(?:\w+|\d+)\s+(?:days|weeks|months|years|decades)\s+later\b
    """,
    _I | re.VERBOSE,
)
# "the Oct. 7 attack on Israel that killed about 1,400", "the war, which killed 11,000": a count in a
# relative clause on an event noun. In an item whose title names neither a casualty nor that kind of
# event (a politician's visit, a trial), that event is the backdrop.
RELATIVE_TOLL = re.compile(
    r"(?:,\s*)?\b(?:that|which)\s+(?:has\s+|have\s+|had\s+)?(?:so\s+far\s+|reportedly\s+|allegedly\s+)?"
    r"(?:killed|left|claimed|resulted\s+in\s+the\s+deaths\s+of|took\s+the\s+lives\s+of|cost\s+the\s+lives\s+of)"
    r"\s+(?:[\w'’-]+\s+){0,3}\Z",
    _I,
)
EVENT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"\b(?:{words})", _I))
    for kind, words in (
        (
            "attack",
            r"attack|assault|strike|airstrike|air\s+strike|raid|bomb|shell|missile|rocket|drone|offensive"
            r"|incursion|ambush",
        ),
        ("war", r"war\b|conflict|fighting|violence|clash|insurgen|battle|hostilities"),
        ("quake", r"earthquake|quake|tremor|aftershock"),
        ("weather", r"flood|storm|cyclone|hurricane|typhoon|landslide|mudslide|rain|heatwave"),
        ("fire", r"fire\b|fires\b|blaze|wildfire|explosion|blast|inferno"),
        ("crash", r"crash|collision|accident|derail|sinking|shipwreck|capsiz|sank"),
        ("shooting", r"shooting|shooter|gunm[ae]n|gunfire|massacre|stabbing|rampage"),
    )
)
# Only when it comes before the figure: the figure then belongs to the earlier event.
EARLIER_EVENT = re.compile(
    # "its worst attack in more than 10 years after a rebel group killed 41": a span, not a time shift
    r"""\b(?<!\bfor\s)(?<!than\s)(?<!over\s)(?<!\bin\s)(?:a|one|two|three|four|five|six|several|\d+)\s+(?:days?|weeks?|months?|years?|decades?)\s+
          (?:after|before)\b
      | \bthe\s+day\s+(?:after|before)\b | \b(?:days|weeks|months|years)\s+after\b
      | \b(?:comes?|came|coming)\s+(?:just\s+|only\s+|barely\s+)?(?:hours|minutes)\s+after\b
      | \blast\s+(?:week|month|year)\b | \bearlier\s+this\s+(?:week|month|year)\b""",
    _I | re.VERBOSE,
)
WEAK_BACKGROUND = re.compile(r"\bsince\b|\b(?:in|of)\s+(?:\w+\s+)?(?:1[89]\d\d|20[01]\d|202[0-2])\b", _I)

# Singular victims, used when the text gives no number for the category.
_PASSIVE_KILLED = (
    r"(?:killed|murdered|slain|shot\s+dead|stabbed\s+(?:to\s+death|dead)|beaten\s+to\s+death|"
    r"burned\s+to\s+death|found\s+dead|fatally\s+\w+|strangled|executed|assassinated|crushed\s+to\s+death|"
    r"(?:shot|knifed|hacked)\s+to\s+death)"
)
_KILL_VERB = (
    r"(?:kill(?:ed|s|ing)?|murder(?:ed|s|ing)?|strangl(?:ed|es|ing)|(?:shot|shooting|shoots)\s+dead|"
    r"stabbed\s+to\s+death|fatally\s+(?:shot|shoots|shooting|stabbed|stabs|stabbing)|assassinat(?:ed|es|ing))"
)


def _rule(guards: tuple[str, ...], pattern: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    return guards, re.compile(pattern, _I | re.VERBOSE)


# Singular victims, used when the text gives no number for the category. Each rule runs only when
# one of its guard words is in the lower-cased text: one big alternation would scan far slower.
SINGLE_KILLED_RULES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    _rule(
        (
            "killed",
            "murdered",
            "slain",
            "dead",
            "stabbed",
            "to death",
            "fatally",
            "strangled",
            "executed",
            "assassinated",
        ),
        rf"\b(?:was|has\s+been|had\s+been|is|being|got)\s+(?:\w+ly\s+)?{_PASSIVE_KILLED}",
    ),
    _rule(("who ",), r"\bwho\s+(?:has\s+|had\s+)?(?:died|was\s+killed|was\s+murdered)"),
    _rule(
        (
            "kill",
            "murder",
            "strangl",
            "shot dead",
            "shooting dead",
            "shoots dead",
            "stabbed to death",
            "fatally",
            "assassinat",
        ),
        rf"\b{_KILL_VERB}\s+(?:(?:a|an|the|his|her|their|one)\s+)?(?:[\w'’.-]+\s+){{0,4}}?(?:{PERSON}|{ROLE})\b"
        r"|\bkill(?:ed|ing)\s+(?:him|her)\b",
    ),
    _rule(
        ("to death",),
        rf"""\b(?:beat|beating|beaten|stabbing|stabbed|burning|burned|crushed|crushing|hacking|hacked|kicking|
        kicked)\s+(?:(?:his|her|a|an|the)\s+)?(?:[\w'’-]+\s+){{0,3}}?{PERSON}\s+to\s+death
        | \b(?:was|has\s+been|had\s+been|is)\s+(?:\w+ly\s+)?(?!sentenced|condemned)\w+ed\s+to\s+death
        | \b(?:stabbed|beaten)\s+to\s+death\b""",
    ),
    _rule(
        ("fatal", "deadly"),
        r"\b(?:fatal|deadly)\s+(?:[\w-]+\s+){0,2}?(?:stabbing|shooting|attack|crash|collision|assault|"
        r"accident|mauling|beating)\s+of\b",
    ),
    _rule(
        ("body", "remains"), r"\b(?:body|remains)\s+(?:of|believed|thought|were\s+found|was\s+found|found)\b"
    ),
    _rule(
        ("own life", "himself", "herself"),
        r"\btook\s+(?:his|her)\s+own\s+life|\bkilled\s+(?:himself|herself)",
    ),
    _rule(("dead",), r"\b(?:found|stabbed|shot)\s+dead\b"),
    _rule(("succumb",), r"\bsuccumbed\s+to\s+(?:his|her)\s+(?:injuries|wounds)"),
    _rule(("killing of",), rf"\bkilling\s+of\s+(?:a|an|the|his|her)?\s*(?:[\w'’-]+\s+){{0,3}}?{PERSON}\b"),
    _rule(("death",), r"(?:'s|’s)\s+death\b|\bdeath\s+of\s+(?:a|an|his|her)\s"),
    _rule(
        ("died", "dies"),
        r"(?<!have\s)(?<!had\s)(?<!who\s)\b(?:dies|died)\s+(?:after|from|in|of|when|following|while|on|"
        r"at\s+the\s+scene)\b",
    ),
)
TITLE_SINGLE_KILLED = re.compile(
    r"\b(?P<noun>[A-Za-z0-9’-]+),?(?:\s+(?P<aux>was|were|is|are|has\s+been|have\s+been|had\s+been))?"
    r"\s+['‘\"]?(?:killed|dies|died|dead|murdered|slain|assassinated|(?:shot|stabbed|knifed|beaten|hacked)\s+to\s+death|"
    r"(?:shot|stabbed|found)\s+dead)\s+(?:in|after|as|by|at|on|during|while|"
    r"when|following|outside|near|over|from)\b|(?<!have\s)(?<!had\s)\b(?:dies|died)\b",
    _I,
)
PLURAL_SUBJECT = re.compile(r"(?:[^s]s|people|men|women|children)\Z", _I)
OBITUARY = re.compile(
    r"\b(?:die[sd]|death|dead|passed\s+away)\b[^.]{0,40}?\b(?:aged|at\s+(?:the\s+)?age\s+(?:of\s+)?|at)\s+\d{2,3}\b"
    r"|\btributes?\b[^.]{0,60}\bdeath\s+of\b|\bpassed\s+away\b|\blost\s+(?:his|her)\s+(?:\w+\s+)?battle\b",
    _I,
)
NATURAL_DEATH = re.compile(
    r"\b(?:die[sd]|death|dying)\s+(?:\w+\s+){0,2}?(?:from|of|after)\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:cancer|melanoma|"
    r"leuka?emia|tumou?r|stroke|heart\s+attack|cardiac\s+arrest|illness|natural\s+causes|dementia|alzheimer|"
    r"parkinson|pneumonia|old\s+age|long\s+illness|short\s+illness)",
    _I,
)
SINGLE_WOUNDED = re.compile(
    rf"""\b(?:was|has\s+been|had\s+been|is)\s+(?:\w+ly\s+)?(?:injured|wounded|hurt)\b
    | \banother\s+(?:\w+ly\s+)?(?:injured|wounded|hurt)\b
    | \b(?:injur(?:ed|ing|es)|wound(?:ed|ing|s)|hurt(?:ing)?)\s+(?:(?:a|an|the|one|his|her)\s+)?
         (?:[\w'’-]+\s+){{0,3}}?{PERSON}\b
    | \bleft\s+(?:him|her)\s+(?:\w+\s+)?(?:injured|wounded|hurt)
    | \b(?:suffer(?:ed|s|ing)?|sustain(?:ed|s|ing)?)\s+(?:[\w-]+\s+)?(?:serious|severe|critical|
         life-threatening|life-changing|horrific|multiple|terrible|significant|major)\s+(?:[\w-]+\s+)?(?:injuries|wounds|burns)
    | \bfighting\s+for\s+(?:his|her)\s+life
    """,
    _I | re.VERBOSE,
)
# "A man was stabbed", "Woman, 30, shot in …": hurt, unless the same text tells of a death (the caller
# only uses this when it reads no killed figure at all).
SINGLE_ATTACKED = re.compile(
    r"""\b(?:was|has\s+been|had\s+been|is|been|being|got)\s+(?:\w+ly\s+)?(?:stabbed|knifed|shot|mauled)\b
         (?!\s+(?:and\s+killed|to\s+death|dead))
    | \b(?P<who>[A-Za-z][\w'’-]*),?\s+(?:\d{1,3},\s+)?(?:stabbed|knifed|shot|mauled)
         \s+(?:in|at|on|near|outside|after|by|during)\b""",
    _I | re.VERBOSE,
)
SINGLE_MISSING = re.compile(
    rf"""\bmissing\s+(?:[A-Z][\w'’-]*\s+)?{PERSON}\b | (?-i:^Missing\s+[A-Z])
    | \b(?:he|she|who)\s+(?:has\s+|had\s+)?(?:gone\s+missing|vanished|disappeared|went\s+missing)
    | \b(?:was|is|has\s+been)\s+(?:reported\s+)?missing\b""",
    _I | re.VERBOSE | re.MULTILINE,
)
SINGLE_AND = re.compile(rf"\band\s+(?P<q>an?)\s+(?:[\w'’-]+\s+){{0,2}}?{PERSON}\b", _I)
CHAIN_BETWEEN = re.compile(r"^\s+(?:[\w'’-]+\s+){0,2}?(?P<noun>[\w'’-]+)\s*(?:,\s*and|,|and)\s+\Z", _I)

ZERO_KILLED = re.compile(
    r"\bno\s*(?:one|body)\s+(?:was\s+|were\s+|has\s+been\s+|had\s+been\s+)?(?:killed|died|dead)"
    r"|\bno\s+(?:immediate\s+|other\s+|further\s+)?(?:reports?\s+of\s+)?(?:deaths|fatalities)\b"
    r"|\bwithout\s+(?:any\s+)?(?:deaths|fatalities)",
    _I,
)
ZERO_WOUNDED = re.compile(
    r"\bno\s*(?:one|body)\s+(?:was\s+|were\s+|has\s+been\s+)?(?:injured|wounded)"
    r"|\bno\s+(?:immediate\s+|other\s+|further\s+|serious\s+)?(?:reports?\s+of\s+)?(?:injuries|injured)\b"
    r"|\bwithout\s+(?:any\s+)?injur",
    _I,
)
ZERO_BOTH = re.compile(
    r"\bno\s+(?:immediate\s+|other\s+|further\s+)?(?:reported\s+)?(?:reports?\s+of\s+)?casualties\b"
    r"|\bno\s*(?:one|body)\s+(?:was\s+|were\s+|has\s+been\s+)?(?:hurt|harmed)"
    r"|\bwithout\s+(?:any\s+)?casualties",
    _I,
)

SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'’”]?\s+(?=[A-Z0-9\"'‘“])|\n+|\s+[|•]\s+")

# ", including women and children," between a count and its verb does not change what is counted.
INSERTED_SUBSET = re.compile(
    r"^(\s+[\w'’-]+(?:\s+[\w'’-]+){0,2}),\s+(?:including|among\s+them|mostly|many\s+of\s+them)[^,.;]{0,80},",
    _I,
)
# "a mother of three was found dead": a bare count after a parent is the children they have.
PARENT_OF = re.compile(
    r"\b(?:mother|father|mum|mom|dad|parent|grandmother|grandfather|grandparent)s?[\s-]+of[\s-]+\Z", _I
)
# "suffered over 90 injuries": a count of one person's wounds, not of the wounded.
INJURIES_OF_ONE = re.compile(r"\b(?:suffer|sustain|receiv)\w*\s+\Z", _I)
SENTENCED = re.compile(r"\b(?:sentenc|condemn)\w*\s+\Z", _I)

# A war of the past named in the sentence makes its figures history, not news. Case-sensitive.
HISTORIC_WAR = re.compile(
    r"\b(?:World\s+War|Yom\s+Kippur\s+War|Vietnam\s+War|Korean\s+War|Gulf\s+War|Six-Day\s+War|Cold\s+War|"
    r"Falklands\s+War|Iran-Iraq\s+War|Holocaust|Second\s+World\s+War|First\s+World\s+War|Great\s+War)\b"
)
# "whose mother, father and four siblings were killed": bare singular relatives listed before a count.
_DET_SINGLE = r"(?:(?:a|an|the|his|her|their|one)\s+)?"
LISTED_SINGULARS = re.compile(
    rf"((?:{_DET_SINGLE}\b{PERSON},\s+)*{_DET_SINGLE}\b{PERSON})\s*,?\s+and\s+{_DET_SINGLE}\Z", _I
)
PERSON_RE = re.compile(rf"\b{PERSON}\b", _I)
PERSON_WORD = re.compile(rf"{PERSON}\Z", _I)

# "Two men, 25 and 30, were killed": ages between a count and its verb are skipped.
INSERTED_AGES = re.compile(
    r"^(\s+[\w'’-]+(?:\s+[\w'’-]+){0,2})(?:,\s+(?:aged\s+)?\d{1,3}(?:\s+and\s+\d{1,3})?,"
    r"|\s+aged\s+\d{1,3}(?:\s+(?:and|to)\s+\d{1,3})?(?=\s))",
    _I,
)
# "was killed alongside his three sons", "died along with 10 other crew members": the count leaves
# out the subject, who died too.
ALONGSIDE = re.compile(
    r"\b(?:killed|died|dead|perished|murdered|shot\s+dead)\s+(?:alongside|along\s+with|together\s+with)\s+"
    r"(?:(?:his|her|their|the|all)\s+)?\Z",
    _I,
)
AGE_AFTER_NAME = re.compile(r"[a-z],\s+(?:aged\s+)?\d{1,2},?\s")
LISTED_AGE = re.compile(r",\s+(?:aged\s+)?\d{1,2}\b")
# "Cindy, 35, Kyu, 37, and James Cho, 3, were all shot dead": named victims listed with their ages.
NAMED_WITH_AGES = re.compile(
    r"(?P<list>(?:\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2},\s+(?:aged\s+)?\d{1,2},?\s+(?:and\s+)?){2,6})"
    r"(?:were|have\s+been|had\s+been|all|both|were\s+all|were\s+both|\s)+"
    r"(?:killed|died|dead|shot\s+dead|murdered|found\s+dead|stabbed\s+to\s+death)\b",
)

ANIMAL = re.compile(
    r"\b(?:dog|dogs|cat|cats|pet|pets|horse|horses|alligator|crocodile|shark|whale|dolphin|bear|tiger|lion|"
    r"elephant|animal|animals|bird|birds|cow|cows|sheep|goat|swan|puppy|kitten|pooch|gorilla|monkey|giraffe|"
    r"zebra|fox|wolf|deer|rhino|panda|orca|seal|penguin|livestock|cattle)\b"
    # "dies in dog attack", "shark bite": the animal is the cause, a person the victim
    r"(?!\s+(?:attacks?|mauling|maulings|bites?))",
)  # case-sensitive: "Lady Bird Lake" is a place, "her dog" an animal

WORD = re.compile(r"[A-Za-z][\w'’-]*")
ENDS_NOUN_PHRASE = frozenset(
    """and or but in on at after before as while when since during from to for by with that which who were
    was have has had are is been killed dead died wounded injured hurt missing displaced said says
    including""".split()
)

# "left 300,000 homeless": the verb before the count, the state after it.
LEFT_HOMELESS = re.compile(r"\b(?:leav(?:es|ing|e)|left|made|make|makes|rendered)\s+\Z", _I)
HOMELESS_TAIL = re.compile(r"^(?:\s+[\w'’-]+){0,2}?\s+homeless\b", _I)
NEGATED_BEFORE = re.compile(r"\b(?:no\s*one|nobody|none|not|never|no)\s+(?:\w+\s+)?\Z", _I)
FOUND_ALIVE = re.compile(r"\bfound\s+(?:safe|alive|well)|\brescued\b|\breunited\b", _I)
