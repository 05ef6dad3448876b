"""Prompt text as the rule layer reads it: the tricks people use to slip words past a filter undone.

- Unicode: NFKC folds fullwidth and mathematical letters (ｎｕｄｅ, 𝐧𝐮𝐝𝐞) to ASCII; accents and
  zero-width characters are dropped; Cyrillic and Greek letters that look Latin become Latin.
- Case is folded.
- Leetspeak inside a word that has letters (n4k3d, b0mb, $ex) is read as letters; plain numbers stay.
- Spaced or dotted letters (n u d e, n.u.d.e, n-u-d-e) are joined into one word.
- A letter repeated three times or more (nuuude) is read once, in a second variant of the text.

The result is lower-case words separated by single spaces, so rules match on word boundaries.
"""

from __future__ import annotations

import re
import unicodedata

# Letters of other scripts drawn like Latin ones (Unicode's confusables, the ones seen in practice).
_HOMOGLYPHS = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w",
})
# Symbols read as letters anywhere in a word that has letters ("$ex"); digits only between two
# letters ("s3x", "b0mb"), so "4k", "60fps" and "2024" stay as they are.
_LEET_SYMBOLS = str.maketrans({"@": "a", "$": "s", "!": "i", "|": "l", "€": "e"})
_LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[0-9]+(?=[a-z])")
_TOKEN = re.compile(r"\S+")
_WORD_PART = re.compile(r"[a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def normalized_variants(text: str) -> tuple[str, ...]:
    """The prompt's words, normalised, as one or more texts (with repeated letters read once; with
    invisible characters read as nothing and as spaces; with Cyrillic у read as u, which it stands
    for as often as for y); a rule matches the prompt when it matches any of them."""
    spellings = [text]
    if any(unicodedata.category(c) == "Cf" for c in text):  # "na\u200bked" and "naked\u200bwoman" both
        spellings.append("".join(" " if unicodedata.category(c) == "Cf" else c for c in text))
    if "у" in text.casefold():
        spellings += [s.replace("у", "u").replace("У", "u") for s in spellings]
    variants: list[str] = []
    for spelling in spellings:
        # Two or more spaces part spelled-out words ("B a r a c k  O b a m a").
        words = [word for part in re.split(r"\s{2,}", spelling) for word in _joined_spelled_out(_words(part))]
        plain = " ".join(words)
        variants += [plain, _REPEATS.sub(r"\1", plain)]
    return tuple(dict.fromkeys(variants))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_HOMOGLYPHS)
    # Decompose to drop accents (nüde) and invisible characters (zero-width joiners, soft hyphens).
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded)
                     if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    words: list[str] = []
    for token in _TOKEN.findall(folded):
        if any(c.isalpha() for c in token):
            token = _DIGIT_IN_WORD.sub(lambda m: "".join(_LEET_DIGITS.get(d, d) for d in m.group()),
                                       token.translate(_LEET_SYMBOLS))
        words += _WORD_PART.findall(token)
    return words


def _joined_spelled_out(words: list[str]) -> list[str]:
    """Runs of three or more one-letter words, a word spelled out, become that word."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= 4 and run[0] in ("a", "i"):  # "a t e e n": the article, then the word
            out += [run[0], "".join(run[1:])]
        else:
            out += ["".join(run)] if len(run) >= 3 else run
        run = []
        if word:
            out.append(word)
    return out
