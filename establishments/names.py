"""Establishment names in readable case.

The FINESS registry gives many names in capitals only (« CENTRE HOSPITALIER DE CHAMBERY »). The
pages, e-mails and PDF reports show them in readable case (« Centre Hospitalier de Chambery »);
the exports keep the registry's text. Only the case changes: accents cannot be guessed, so the
letters stay as given. French small words are lowercase (but the first), the acronyms of the
sector and Roman numerals stay in capitals. A name with a lowercase letter is already readable:
it is shown as given.
"""

from __future__ import annotations

import functools
import re

# Lowercase inside a name (never as its first word).
SMALL_WORDS = frozenset(
    {"de", "du", "des", "la", "le", "les", "et", "sur", "en", "aux", "au", "à", "sous", "d", "l"}
)
# Kept in capitals wherever they are.
ACRONYMS = frozenset(
    {
        "AP", "HP", "APHP", "CAMSP", "CATTP", "CH", "CHD", "CHG", "CHI", "CHR", "CHRU", "CHS",
        "CHT", "CHU", "CLCC", "CMP", "CMPP", "CRF", "CSAPA", "EHPA", "EHPAD", "EPSM", "ESAT",
        "ESMS", "ESSMS", "FAM", "GCS", "GH", "GHT", "HAD", "HCL", "IME", "ITEP", "MAS", "MECS",
        "SAMSAH", "SAVS", "SESSAD", "SMR", "SSIAD", "SSR", "UGECAM", "USLD", "USSR",
    }
)  # fmt: skip
ROMAN = re.compile(r"^(?=[IVX])X{0,3}(IX|IV|V?I{0,3})$")
# A word: a run of letters (apostrophes and hyphens separate words).
WORD = re.compile(r"[^\W\d_]+")


def _word(word: str, *, first: bool) -> str:
    if word in ACRONYMS or ROMAN.match(word):
        return word
    lower = word.lower()
    if not first and lower in SMALL_WORDS:
        return lower
    return word[0] + word[1:].lower()


@functools.lru_cache(maxsize=16384)
def readable_name(name: str) -> str:
    """The name in readable case when the registry gives it in capitals only; else as given."""
    if not name or any(char.islower() for char in name):
        return name
    out, first = [], True
    position = 0
    for match in WORD.finditer(name):
        out.append(name[position : match.start()])
        out.append(_word(match.group(), first=first))
        first = False
        position = match.end()
    out.append(name[position:])
    return "".join(out)
