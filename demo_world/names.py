"""Company names and the ways customers misspell, romanise, shorten and reorder them.

Invariant: a name is built from parts (brand, industry word, city, legal form) and every variant is a
pure function of those parts and of integers drawn by the caller, so a variant is reproducible and
its label (`NameVariant`) says truthfully what was done to the registered name: an `ascii_folded`
variant really had diacritics, an `abbreviated` one really had a word with a customary abbreviation.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from demo_world import vocab


class NameVariant(enum.StrEnum):
    """How the name a tenant gave relates to its true entity's registered name."""

    EXACT = "exact"  # as registered
    CASE_PUNCT = "case_punct"  # other case, punctuation dropped
    MISSING_SUFFIX = "missing_suffix"  # legal form left out
    SUFFIX_VARIANT = "suffix_variant"  # the legal form spelled another way (Ltd / Limited)
    ABBREVIATED = "abbreviated"  # an industry word abbreviated (Technology / Tech)
    MISSPELLED = "misspelled"  # one typing error
    SWAPPED_ORDER = "swapped_order"  # words reordered (Shenzhen Huaxin Tech / Huaxin Tech (Shenzhen))
    ROMANISED = "romanised"  # another script's or another system's romanisation
    ASCII_FOLDED = "ascii_folded"  # diacritics written out or dropped (Müller / Mueller)
    CONFUSABLE = "confusable"  # a Latin letter or two written as its Cyrillic or Greek look-alike
    DECOY_OTHER_COUNTRY = "decoy_other_country"  # as registered, and another country has the same name
    HEAVY = "heavy"  # several changes at once: a fuzzy match at best
    UNREGISTERED = "unregistered"  # the tenant's company is not in the register


class Style(enum.StrEnum):
    """How a country's register writes company names."""

    LATIN = "latin"  # "<Brand> <Industry> <Form>"
    CN = "cn"  # "<City> <Brand> <Industry> <Form>" in pinyin, the hanzi form kept as an alternate name
    HK = "hk"  # Cantonese romanisation, "<Brand> <Industry> Limited"
    TW = "tw"  # Wade-Giles romanisation
    JP = "jp"  # Hepburn with macrons
    KR = "kr"  # Revised Romanisation
    RU = "ru"  # Cyrillic, "<Form> «<Brand>»"
    GR = "gr"  # Greek


STYLE_BY_COUNTRY: dict[str, Style] = {
    "CN": Style.CN,
    "HK": Style.HK,
    "MO": Style.HK,
    "TW": Style.TW,
    "JP": Style.JP,
    "KR": Style.KR,
    "RU": Style.RU,
    "GR": Style.GR,
}

_GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
# Latin letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Đ": "D", "đ": "d"}
)
_PUNCT = re.compile(r"[^\w\s&]+")
_SPACES = re.compile(r"\s+")


def fold_ascii(text: str, *, german: bool = False) -> str:
    """Diacritics dropped (or, German style, written out: ü -> ue); other letters unchanged."""
    if german:
        text = text.translate(_GERMAN_FOLD)
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def case_punct(text: str) -> str:
    """Upper case, punctuation dropped, spaces collapsed: how many billing forms store names."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip().upper()


def dedupe_key(text: str) -> str:
    """A crude normalised form used only to keep generated names distinct within a country."""
    folded = fold_ascii(text).lower()
    return re.sub(r"[^0-9a-z\u0370-\u03ff\u0400-\u04ff\u4e00-\u9fff]+", "", folded)


# Latin letters and a Cyrillic or Greek letter that looks the same.
LOOKALIKES: dict[str, str] = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
    "A": "Α", "B": "Β", "E": "Ε", "H": "Η", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο", "P": "Ρ", "T": "Τ",
}  # fmt: skip


def confusable(text: str, draw: int) -> str:
    """`text` with one or two of its letters replaced by look-alikes from another script."""
    spots = [i for i, c in enumerate(text) if c in LOOKALIKES]
    if not spots:
        return text
    chosen = {spots[draw % len(spots)], spots[(draw // 7) % len(spots)]}
    return "".join(LOOKALIKES[c] if i in chosen else c for i, c in enumerate(text))


def misspell(word: str, position: int, operation: int) -> str:
    """One typing error in `word`, never on its first letter: swap, drop, double or replace a letter."""
    if len(word) < 4:
        return word + word[-1]
    i = 1 + position % (len(word) - 2)
    op = operation % 4
    if op == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    replacement = vowels[(vowels.find(word[i].lower()) + 1) % 5] if word[i].lower() in vowels else "e"
    if replacement == word[i]:
        replacement = "a"
    return word[:i] + replacement + word[i + 1 :]


@dataclass(frozen=True)
class NameParts:
    """A company name as its parts. `brand_alt` and `industry_alt` are the other romanisation (or the
    Latin form of a Cyrillic/Greek name) and `industry_abbr` a customary abbreviation, each "" if none."""

    style: Style
    country: str
    brand: str
    industry: str
    suffix: str
    suffix_alt: str
    city: str = ""
    brand_alt: str = ""
    industry_alt: str = ""
    industry_abbr: str = ""

    @property
    def registered(self) -> str:
        if self.style is Style.RU:
            return f"{self.suffix} «{self.brand}»"
        head = f"{self.city} " if self.city else ""
        industry = f" {self.industry}" if self.industry else ""
        return f"{head}{self.brand}{industry} {self.suffix}"

    def without_suffix(self) -> str:
        if self.style is Style.RU:
            return self.brand
        head = f"{self.city} " if self.city else ""
        industry = f" {self.industry}" if self.industry else ""
        return f"{head}{self.brand}{industry}"

    def can(self, variant: NameVariant) -> bool:
        """Whether `variant` is a truthful description of something that can be done to this name."""
        latin_script = self.style not in (Style.RU, Style.GR)
        if variant in (NameVariant.EXACT, NameVariant.DECOY_OTHER_COUNTRY):
            return True
        if variant in (NameVariant.MISSPELLED, NameVariant.CASE_PUNCT, NameVariant.MISSING_SUFFIX):
            return latin_script
        check = {
            NameVariant.ROMANISED: lambda: (
                bool(self.brand_alt) and self.style is not Style.LATIN and self._romanised(0) != self.registered
            ),
            NameVariant.ASCII_FOLDED: lambda: self.style is Style.LATIN and not self.registered.isascii(),
            NameVariant.ABBREVIATED: lambda: bool(self.industry_abbr) and self.industry_abbr != self.industry,
            NameVariant.SUFFIX_VARIANT: lambda: bool(self.suffix_alt) and self.suffix_alt != self.suffix,
            NameVariant.SWAPPED_ORDER: lambda: latin_script and (bool(self.city) or " " in self.brand),
            NameVariant.CONFUSABLE: lambda: latin_script and any(c in LOOKALIKES for c in self.registered),
        }.get(variant)
        return check is not None and check()

    def variant(self, variant: NameVariant, draw: int = 0) -> str:
        """The name written as `variant`; `draw` is a caller-drawn integer that picks among choices."""
        if variant in (NameVariant.EXACT, NameVariant.DECOY_OTHER_COUNTRY):
            return self.registered
        builders: dict[NameVariant, Callable[[], str]] = {
            NameVariant.CASE_PUNCT: lambda: case_punct(self.registered),
            NameVariant.MISSING_SUFFIX: self.without_suffix,
            NameVariant.SUFFIX_VARIANT: lambda: self._with(suffix=self.suffix_alt),
            NameVariant.ABBREVIATED: lambda: self._with(industry=self.industry_abbr),
            NameVariant.MISSPELLED: lambda: self._misspelled(draw),
            NameVariant.SWAPPED_ORDER: self._swapped,
            NameVariant.ASCII_FOLDED: lambda: fold_ascii(
                self.registered, german=self.country in ("DE", "AT", "CH") and draw % 2 == 0
            ),
            NameVariant.ROMANISED: lambda: self._romanised(draw),
            NameVariant.CONFUSABLE: lambda: confusable(self.registered, draw),
        }
        if variant not in builders:
            raise ValueError(f"{variant} is not a variant of a registered name")
        return builders[variant]()

    def _misspelled(self, draw: int) -> str:
        words = self.brand.split(" ")
        k = draw % len(words)
        words[k] = misspell(words[k], draw // 7, draw // 3)
        return self._with(brand=" ".join(words))

    def _swapped(self) -> str:
        if self.city:
            return f"{self.brand} {self.industry} ({self.city}) {self.suffix}"
        first, _, rest = self.brand.partition(" ")
        return self._with(brand=f"{rest} {first}")

    def _with(self, **changes: str) -> str:
        parts = {
            "style": self.style,
            "country": self.country,
            "brand": self.brand,
            "industry": self.industry,
            "suffix": self.suffix,
            "suffix_alt": self.suffix_alt,
            "city": self.city,
        }
        parts.update(changes)
        # `parts` mixes the Style and the texts, so its values read as either to mypy.
        return NameParts(**parts).registered  # type: ignore[arg-type]

    def _romanised(self, draw: int) -> str:
        if self.style is Style.RU:
            # Customers write a Cyrillic name in Latin letters with a Latin legal form, either way round.
            form = ("LLC", "OOO", "JSC", "AO")[draw % 2 + (2 if self.suffix == "АО" else 0)]
            return f"{self.brand_alt} {form}" if draw % 3 else f"{form} {self.brand_alt}"
        if self.style is Style.GR:
            industry = self.industry_alt or self.industry
            return f"{self.brand_alt} {industry} {self.suffix_alt}"
        return self._with(brand=self.brand_alt, industry=self.industry_alt or self.industry)


def cn_brand(syllables: tuple[int, int]) -> tuple[str, str, str, str, str]:
    """A Chinese brand word from two syllables: (pinyin, hanzi, Wade-Giles, Cantonese, spaced pinyin)."""
    a, b = vocab.CN_SYLLABLES[syllables[0]], vocab.CN_SYLLABLES[syllables[1]]
    pinyin = (a[0] + b[0]).capitalize()
    wade = f"{a[2].capitalize()}-{b[2]}"
    cantonese = f"{a[3].capitalize()} {b[3].capitalize()}"
    spaced = f"{a[0].capitalize()} {b[0].capitalize()}"
    return pinyin, a[1] + b[1], wade, cantonese, spaced
