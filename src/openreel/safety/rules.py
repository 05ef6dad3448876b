"""The rule layer: word patterns per category, read on normalised text (normalize.py).

Rules are written to block what a category names and to let its everyday near-misses through:
"shooting a film", "kill the lights", "a knife on a cutting board" and "a child flying a kite"
match nothing, because violence needs a person as the target of a violent act, dangerous items
need instructions to make them, and a child needs a harm or sexual word beside it.

Each pattern is a regular expression over lower-case words separated by single spaces, matched
on word boundaries; `_words_between(n)` lets up to n words sit between two parts of a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openreel.safety.categories import Category

_ANY_WORDS = r"(?: [a-z0-9]+){{0,{n}}}"


def _words_between(n: int) -> str:
    return _ANY_WORDS.format(n=n)


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


# ---- vocabularies shared by several rules -------------------------------------------------------

PERSON_NOUN = _any(r"m[ae]n", r"wom[ae]n", "persons?", "people", "guys?", "girls?", "boys?", "child(?:ren)?",
                   "kids?", "victims?", "someone", "somebody", "hostages?", "prisoners?", "captives?", "civilians?",
                   "villagers?", "crowds?", "famil(?:y|ies)", "wife", "husband", "teachers?", "classmates?",
                   "students?", "officers?", "cops?", "protesters?", "neighbou?rs?", "strangers?", "passers ?by",
                   "pedestrians?", "refugees?", "worshippers?", "shoppers?", "babies", "baby")
PERSON = _any(PERSON_NOUN, "him", "her", "them")
_AGES = _any(r"[1-9]", "1[0-7]", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen")
# Young animals are not children: "a baby elephant", "baby shark".
_BABY = r"bab(?:y|ies)(?! (?:elephants?|giraffes?|birds?|turtles?|seals?|goats?|deer|fox(?:es)?|owls?|ducks?|" \
        r"penguins?|pandas?|bears?|lions?|tigers?|monkeys?|gorillas?|dolphins?|whales?|sharks?|rhinos?|hippos?|" \
        r"zebras?|horses?|cows?|pigs?|sheep|lambs?|rabbits?|bunn(?:y|ies)|chicks?|otters?|koalas?|kangaroos?|" \
        r"sloths?|dragons?|dinosaurs?|animals?|cats?|dogs?|kittens?|pupp(?:y|ies)|squirrels?|hedgehogs?))"
MINOR = _any("child(?:ren|s)?", "kids?", "kiddos?", "boys?", "(?:little|young|small|school|teen|teenage) girls?",
             "schoolgirls?", "schoolboys?", "schoolchild(?:ren)?", "schoolkids?", "teens?", "teenagers?",
             "teenaged?", "adolescents?", "pre ?teens?", "tweens?", "toddl[ea]rs?", "infants?", _BABY,
             "newborns?", "minors", "a minor", "underage", "under ?aged?", "juveniles?",
             "(?:middle|elementary|primary|grade|high) ?school(?:ers?| girls?| boys?| students?| kids?)",
             "kindergart[ea]ners?", "(?:young|small|little|school) pupils?", "nephews?", "nieces?",
             "little (?:sisters?|brothers?)", "orphans?", "orphanage",
             _AGES + " ?(?:years?|yrs?) ?old", _AGES + " ?y ?o", "aged? " + _AGES, "lolis?", "shotas?")

SEXUAL_TERMS = _any(
    r"porn\w*", "pornographic", "xxx", "nsfw", "hentai", "nudes?", "nudity", "naked", "topless", "bottomless",
    "(?:having|have|has|had) sex", r"sex (?:scenes?|tapes?|videos?|acts?|positions?|toys?|workers?|shows?)",
    r"sexual\w*", r"sexy \w+ (?:undress\w*|strip\w*)", "intercourse", r"orgasm\w*", r"erotic\w*", r"genital\w*",
    "penis", "vagina", "vulva", r"nipples?", r"(?:bare|exposed|naked) (?:breasts?|chest|butt|bottom)",
    r"masturbat\w*", "blowjobs?", "handjobs?", "fellatio", "cunnilingus", r"ejaculat\w*", r"cum ?shots?",
    r"fetish\w*", "bdsm", "bondage", r"strippers?", r"strip ?teas\w*", "lap ?dances?", "onlyfans", "cam ?girls?",
    r"undress\w*", "without (?:any )?clothe?s", "no clothes", "not wearing (?:any(?:thing)?|clothes)",
    r"in (?:the|their|his|her) underwear", r"seduc\w*", r"lewd\w*", r"obscene\w*", "sex")

HARM_TO_MINOR = _any(
    r"abus\w*", r"molest\w*", r"rap(?:e|ed|es|ing|ist)", "beaten", r"beating (?:a|the|him|her|them|his|their|up)",
    r"slap(?:s|ped|ping)?", r"whipp(?:ed|ing) (?:by|with)", r"hurt(?:s|ing)?", r"injur\w*", r"tortur\w*",
    r"kidnap\w*", r"abduct\w*", r"traffick\w*", r"smuggl\w*", "chained", "caged", "locked (?:in|up)",
    r"starv\w*", r"drown\w*", r"chok(?:e|ed|es|ing)", r"strangl\w*", r"suicid\w*", r"self ?harm\w*",
    r"cutting (?:her|him|them)sel(?:f|ves)", r"cutting (?:her|his|their) (?:arms?|wrists?|skin)", r"overdos\w*",
    "drugs?", "cocaine", r"smok\w* crack", "crack (?:pipes?|cocaine)", "heroin", "meth(?:amphetamine)?",
    "fentanyl", "weed", r"vap(?:e|es|ing)", "alcohol", "vodka", "whiske?y", r"binge drink\w*", "pills",
    "guns?", "rifles?", "handguns?", "pistols?",
    r"firearms?", r"gunpoint", r"shoot(?:s|ing)? (?:up|at|his|her|their)", "shooters?", "school shootings?",
    r"stab(?:s|bed|bing)?", r"kill(?:s|ed|ing)?", r"murder\w*", r"execut(?:e|es|ed|ing|ions?)",
    r"bombs?(?! sniff\w*)", r"explosives?", r"weapons?",
    "blow up",
    r"bleed\w*", r"burn(?:ed|t|s) (?:with|by|alive)", "thrown (?:against|off|from)", "pushed (?:off|from)",
    "run over by", r"(?:ran|running|runs) over (?:a|the|an|his|her|their) (?:child|kid|boy|girl|toddler|baby)",
    r"jump(?:s|ing)? off (?:a|the) (?:bridge|building|roof|balcony)", r"hang(?:ing|s)? (?:him|her|them)sel(?:f|ves)",
    "pass(?:es|ed)? out", r"abandon\w*", r"neglect\w*", "forced to", "(?<!toy )soldiers?",
    r"shak(?:en|ing) violently", r"bull(?:y|ies|ied|ying)", "naked", "nude", r"sexual\w*", "sexy", r"seduc\w*",
    "lingerie", r"provocativ\w*", r"sensual\w*", r"erotic\w*", r"undress\w*", "porn", "sex",
    # Beside a child these have one reading.
    "explicit", "nsfw", "xxx", "nudity", "topless")

# Verbs that mean violence whatever follows them; their target may be a pronoun a few words on.
VIOLENT_ACT = _any(r"kill(?:s|ed|ing)?", r"murder\w*", r"stab(?:s|bed|bing)?", r"slaughter(?:s|ed|ing)?",
                   r"butcher(?:ed|ing)", r"behead\w*", r"strangl\w*", r"tortur\w*", r"maim\w*", r"bludgeon\w*",
                   r"dismember\w*", r"mutilat\w*", r"lynch\w*", r"gun(?:s|ned|ning)? down")
# Verbs with everyday senses too (a shot of, beat a record, execute a plan): violence only when a
# person is right there as the object.
AMBIGUOUS_ACT = _any(r"shoot(?:s|ing)?", r"shot", r"beat(?:s|ing)?(?: up)?", r"execut(?:e|es|ed|ing)",
                     r"hack(?:s|ed|ing)?", r"punch(?:es|ed|ing)?", r"kick(?:s|ed|ing)?") + \
    r" (?:(?:a|an|the|his|her|their|two|three|several|innocent|unarmed|defenceless|defenseless) )?" + PERSON_NOUN
# Things whose making or use instructions are dangerous; their everyday senses (a bath bomb, a
# bomb shelter, poison ivy, a water gun) are BUILT_IN_ALLOWED, and a bomb threat is no instructions.
HAZARD = _any(
    r"bombs?(?! sniff\w*| threats?)", r"explosives?",
    "ieds?", r"grenades?", r"molotovs?", "napalm", "thermite", r"detonators?", "dynamite", "c ?4", "semtex", "tnt",
    "nerve agents?", "sarin", "vx", "ricin", "anthrax", "mustard gas", "chlorine gas", "poison gas", r"toxins?",
    r"poisons?", r"meth(?:amphetamine)?", "fentanyl", "heroin", "cocaine",
    "crack cocaine", "lsd", "mdma", "ghost guns?", r"untraceable (?:guns?|firearms?|weapons?)", r"silencers?",
    r"suppressors?", "full ?auto", "auto ?sears?", "bump stocks?",
    # A nail or tattoo gun is no weapon to make; beside a child it stays a harm (HARM_TO_MINOR).
    "(?<!nail )(?<!tattoo )(?:guns?|firearms?|rifles?|pistols?)")

HOW_TO = _any("how to", "how ?tos?", r"tutorials?", "step ?by ?step", r"instructions?", r"recipes?",
              "diy", "home ?made", r"mak(?:e|es|ing)", r"build(?:s|ing)?", r"assembl\w*", r"synthesi[sz]\w*",
              r"cook(?:s|ing)?", r"manufactur\w*", r"brew(?:s|ing)?", r"3 ?d ?print\w*", r"convert(?:s|ing)?",
              r"craft(?:s|ing)?", "mix(?:es|ing)?", r"extract\w*", "wir(?:e|es|ing)")

# Real, identifiable people: public figures named in full (or by a title and surname), and the
# few known by one unambiguous name. Surnames that are also words (trump card, a Lincoln sedan,
# the Jordan river) only count in a full name or after a title.
PUBLIC_FIGURES = (
    "donald trump", "joe biden", "kamala harris", "barack obama", "michelle obama", "hillary clinton",
    "bill clinton", "george w bush", "george bush", "vladimir putin", "volodymyr zelensky", "volodymyr zelenskyy",
    "xi jinping", "kim jong un", "narendra modi", "emmanuel macron", "olaf scholz", "angela merkel",
    "rishi sunak", "keir starmer", "boris johnson", "justin trudeau", "giorgia meloni", "benjamin netanyahu",
    "recep tayyip erdogan", "jair bolsonaro", "lula da silva", "javier milei", "king charles", "prince harry",
    "prince william", "kate middleton", "meghan markle", "queen elizabeth", "pope francis", "pope leo",
    "elon musk", "jeff bezos", "mark zuckerberg", "bill gates", "warren buffett", "tim cook", "sundar pichai",
    "sam altman", "jensen huang", "steve jobs", "taylor swift", "beyonce", "rihanna", "shakira", "lady gaga",
    "ariana grande", "billie eilish", "justin bieber", "selena gomez", "kim kardashian", "kanye west",
    "kylie jenner", "oprah winfrey", "oprah", "ed sheeran", "harry styles", "dua lipa", "bad bunny",
    "the weeknd", "bruno mars", "snoop dogg", "eminem", "jay z",
    "tom cruise", "brad pitt", "angelina jolie", "leonardo dicaprio", "scarlett johansson", "jennifer lawrence",
    "jennifer aniston", "jennifer lopez", "margot robbie", "zendaya", "timothee chalamet", "keanu reeves",
    "dwayne johnson", "will smith", "morgan freeman", "tom hanks", "denzel washington",
    "meryl streep", "emma watson", "robert downey jr", "chris hemsworth", "ryan reynolds", "johnny depp",
    "nicole kidman", "natalie portman", "anne hathaway", "cate blanchett", "hugh jackman", "pedro pascal",
    "cillian murphy", "florence pugh", "sydney sweeney", "shah rukh khan", "priyanka chopra", "jackie chan",
    "bts", "blackpink", "lionel messi", "cristiano ronaldo", "neymar", "kylian mbappe", "erling haaland",
    "lebron james", "michael jordan", "stephen curry", "serena williams", "roger federer", "rafael nadal",
    "novak djokovic", "usain bolt", "simone biles", "tiger woods", "lewis hamilton", "max verstappen",
    "tom brady", "patrick mahomes", "travis kelce", "conor mcgregor", "mike tyson", "muhammad ali",
    "michael jackson", "elvis presley", "marilyn monroe", "princess diana", "albert einstein", "abraham lincoln",
    "martin luther king", "nelson mandela", "mahatma gandhi", "greta thunberg", "malala yousafzai",
    "mr beast", "mrbeast", "pewdiepie", "joe rogan", "tucker carlson", "alexandria ocasio cortez",
)
_TITLED_SURNAMES = ("trump", "biden", "obama", "clinton", "bush", "putin", "zelensky", "zelenskyy", "macron",
                    "modi", "merkel", "sunak", "starmer", "trudeau", "netanyahu", "erdogan", "xi", "harris",
                    "meloni", "scholz", "milei", "lula", "kim")
_TITLES = _any("president", "ex president", "former president", "senator", "prime minister", "pm", "chancellor",
               "governor", "vice president", "chairman", "premier", "king", "queen", "prince", "princess")
# "King Charles" the spaniel, "Queen Elizabeth" the ship are not the people.
PUBLIC_FIGURE = _any(*(re.escape(name) + "(?! spaniels?| ship| liner| cake)" for name in PUBLIC_FIGURES),
                     _TITLES + " " + _any(*_TITLED_SURNAMES), _any(*_TITLED_SURNAMES) + " (?:administration)")

# Any person at all, for requests whose personGeneration is dont_allow.
ANY_PERSON = _any(PERSON, "persons?", "humans?", "faces?", "portraits?", "selfies?", "he", "she", "ladies",
                  "lady", "gentlem[ae]n", "players?", "dancers?", "athletes?", "workers?", "chefs?", "actors?",
                  "actress(?:es)?",
                  "singers?", "soldiers?", "doctors?", "nurses?", "tourists?", "couples?", "brides?", "grooms?",
                  "farmers?", "fishermen", "fisherman", "runners?", "surfers?", "skaters?", "models?", "audiences?",
                  "spectators?", "passengers?", "drivers?", "riders?", "hikers?", "climbers?", "musicians?",
                  "businessm[ae]n", "businesswom[ae]n", "mothers?", "fathers?", "moms?", "dads?", "parents?",
                  "grandmothers?", "grandfathers?", "friends?", "teenagers?", "toddlers?", "astronauts?")


@dataclass(frozen=True)
class Rule:
    category: Category
    name: str  # for the review log and `openreel safety check`, never for the caller
    pattern: re.Pattern[str]


def _rule(category: Category, name: str, pattern: str) -> Rule:
    return Rule(category, name, re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"))


# A named public figure; for a request whose personGeneration is dont_allow, a person like any other.
PUBLIC_FIGURE_RULE = _rule(Category.REAL_PEOPLE, "public-figure", PUBLIC_FIGURE)

RULES: tuple[Rule, ...] = (
    # Minors first: when a prompt is both sexual and about a child, the child's category is the one reported.
    _rule(Category.MINORS, "minor-abuse-terms",
          _any(r"lolicon", r"shotacon", "jailbait", r"p(?:a)?edo\w*", r"child porn\w*", "csam", "cp videos?")),
    _rule(Category.MINORS, "minor-with-harm", MINOR + _words_between(12) + " " + HARM_TO_MINOR),
    _rule(Category.MINORS, "harm-with-minor", HARM_TO_MINOR + _words_between(12) + " " + MINOR),
    _rule(Category.SEXUAL, "sexual-terms", SEXUAL_TERMS),
    _rule(Category.VIOLENCE, "gore-terms", _any(
        "gore", "gory", "gruesome", r"gorefest", r"dismember\w*", r"decapitat\w*", r"behead\w*", r"disembowel\w*",
        r"eviscerat\w*", r"mutilat\w*", "entrails", r"intestines (?:spill\w*|hanging)", r"guts (?:spill\w*|out)",
        r"severed (?:heads?|limbs?|arms?|legs?|hands?|fingers?|bod(?:y|ies))", r"(?:soaked|drenched) in blood",
        r"blood ?soaked", r"pools? of blood", r"blood (?:spurt\w*|gush\w*|splatter\w*|everywhere|spray\w*)",
        r"bloodbath", r"massacr\w*", "mass shootings?", "school shootings?", r"execution ?style", "firing squad",
        r"lynch\w*", r"(?:skinned|burned|burnt|buried) alive", r"flay(?:ed|ing)", r"impal(?:ed|ing)",
        r"cannibal\w*", "snuff films?", r"torture (?:scenes?|chambers?|porn)", r"tortur(?:ed|ing) (?:to death)",
        r"brains? (?:blown|splatter\w*)", r"blow(?:s|ing)? (?:his|her|their) brains")),
    _rule(Category.VIOLENCE, "to-death", _any(r"beat(?:en|ing)?", r"stab(?:bed|bing)?", r"bludgeon\w*",
                                             r"kick(?:ed|ing)?", r"hack(?:ed|ing)?", r"tortur\w*", r"strangl\w*",
                                             r"chok(?:ed|ing)", r"stomp(?:ed|ing)?", r"ston(?:ed|ing)",
                                             r"shot", r"whipp(?:ed|ing)") + _words_between(3) + " to death"),
    _rule(Category.VIOLENCE, "violence-against-people", VIOLENT_ACT + _words_between(3) + " " + PERSON),
    _rule(Category.VIOLENCE, "attack-on-people", AMBIGUOUS_ACT),
    _rule(Category.DANGEROUS, "mass-harm-items", _any(
        r"pipe ?bombs?", "ieds?", r"improvised explosive\w*", "nerve agents?", "sarin", "ricin", r"anthrax spores?",
        "dirty bombs?", "suicide vests?", "car bombs?", "ghost guns?", "meth labs?", r"chemical weapons?",
        r"bioweapons?", r"biological weapons?")),
    _rule(Category.DANGEROUS, "instructions-for-hazard", HOW_TO + _words_between(6) + " " + HAZARD),
    _rule(Category.DANGEROUS, "hazard-instructions", HAZARD + _words_between(4) + " " + _any(
        r"tutorials?", "step ?by ?step", r"instructions?", r"recipes?", r"guides?", "how ?tos?", "diy")),
    PUBLIC_FIGURE_RULE,
)

PERSON_RULE = _rule(Category.REAL_PEOPLE, "any-person", ANY_PERSON)
# A child named in the prompt: the semantic layer's minors score counts only beside one.
MINOR_MENTION = _rule(Category.MINORS, "minor-mentioned", MINOR)

# Everyday phrases that contain a rule's words and mean nothing of the kind. Operators add their
# own through the policy's allow-list (policy.py); neither ever lifts the minors category.
BUILT_IN_ALLOWED = (
    "teenage mutant ninja turtles", "ninja turtles",
    "naked eye", "naked flame", "naked flames", "naked cake", "naked cakes", "nude lipstick", "nude lip",
    "nude colour", "nude color", "nude coloured", "nude colored", "nude tones", "nude tone", "nude heels",
    "nude palette", "nude shade", "nude makeup", "nude nail", "nude nails", "sex of the", "sex of a",
    "kill the lights", "kill the engine", "kill the music", "killer whale", "killer whales", "killer heels",
    "killer app", "photo shoot", "bath bomb", "bath bombs", "photo bomb", "photo bombs", "bomb shelter",
    "bomb shelters", "bomb squad", "bomb squads", "bomb disposal", "bomb proof", "bomb sniffing", "water gun",
    "water guns", "nerf gun", "nerf guns", "toy gun", "toy guns", "squirt gun", "squirt guns", "glue gun",
    "glue guns", "finger gun", "finger guns", "poison dart", "poison ivy", "poison oak", "poison frog",
    "poison frogs", "sex pistols", "same sex",
    "opposite sex", "by sex", "sex ratio", "naked mole rat", "naked mole rats",
)


# What a prompt asks to leave out or to avoid is no request for it: "a battlefield at dusk, no
# gore", "kids learning how to avoid drowning".
NEGATED = re.compile(r"(?<![a-z0-9])(?:no|without|not any|free of|zero|avoid(?:ing|s)?|prevent(?:ing|s)?) "
                     r"(?:any |visible |graphic |real |one )?"
                     r"(?:gore|blood|bloodshed|violence|nudity|injur(?:y|ies|ed)|weapons?|guns?|deaths?|killing|"
                     r"hurt|harm(?:ed)?|drowning)(?![a-z0-9])")
# What a set-aside span becomes: a word no rule matches, so it still counts in the distance between
# two parts of a rule ("a child, no gore, undressing" stays a child beside a harm).
PLACEHOLDER = "zz"


def allowed_spans_removed(text: str, allowed: tuple[str, ...]) -> str:
    """The text with allowed phrases and negated terms replaced by PLACEHOLDER."""
    text = NEGATED.sub(PLACEHOLDER, text)
    for phrase in allowed:
        text = re.sub(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", PLACEHOLDER, text)
    return text


def matching_rules(texts: tuple[str, ...], rules: tuple[Rule, ...] = RULES) -> list[Rule]:
    """The rules that match any of the normalised texts, in RULES order."""
    return [rule for rule in rules if any(rule.pattern.search(text) for text in texts)]
