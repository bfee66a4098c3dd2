"""Registry identifiers and tax numbers for demo entities, in the formats the real registers use.

Invariant: every identifier is a pure function of (country, serial number): two distinct serials of one
country give two distinct company numbers and two distinct tax numbers, so a tenant that quotes a tax
number identifies exactly one entity. Check digits are real where the scheme defines a simple one
(China's Unified Social Credit Code, the LEI, Japan's corporate number, India's GSTIN, France's VAT key);
elsewhere the shape is right and the digits are arbitrary.

Scheme codes follow org-id.guide where it has one (GB-COH, DE-CR, FR-RCS, NL-KVK, SG-ACRA, AU-ABN,
JP-JCN, IN-MCA, XI-LEI, CN-SAMR, ...). Tax numbers that org-id.guide does not list use `<CC>-VAT` or
`<CC>-TIN` with a descriptive `schemeName`; the demo world's README lists them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LEI_SCHEME = ("XI-LEI", "Global Legal Entity Identifier Index")


def scramble(serial: int, digits: int, salt: int = 0) -> int:
    """A bijection on [0, 10**digits): distinct serials give distinct, random-looking numbers."""
    modulus = 10**digits
    # 7_919_993 is coprime with 10, so multiplication by it permutes the residues modulo 10**k.
    return int((serial * 7_919_993 + 1_234_567 + salt * 104_729) % modulus)


def uscc(serial: int, region: str) -> str:
    """An 18-character Unified Social Credit Code (GB 32100-2015) with a valid check character."""
    body = scramble(serial, 8)
    org = f"{body:08d}"
    # The 9th character of the organisation code is a letter or digit; derive it from the serial.
    org += _USCC_CHARS[(serial * 7) % len(_USCC_CHARS)]
    head = "91" + region + org
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(head, _USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return head + _USCC_CHARS[check]


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


_AS_DIGITS = str.maketrans({c: str(i) for i, c in enumerate(_ALNUM)})


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 over letters read as 10..35."""
    return int(text.translate(_AS_DIGITS)) % 97


def lei(serial: int, lou: str = "5493") -> str:
    """A 20-character ISO 17442 LEI: LOU prefix, '00', 12 characters, two ISO 7064 MOD 97-10 digits."""
    n = scramble(serial, 12, salt=17)
    body = ""
    for _ in range(12):
        n, r = divmod(n * 31 + 7, 36)
        body += _ALNUM[r]
    base = f"{lou}00{body}"
    check = 98 - _mod97(base + "00")
    return f"{base}{check:02d}"


def lei_is_valid(code: str) -> bool:
    return len(code) == 20 and code.isalnum() and code.upper() == code and _mod97(code) == 1


def jp_corporate_number(serial: int) -> str:
    """A 13-digit Japanese corporate number; the leading digit is its check digit."""
    body = f"{scramble(serial, 12, salt=3):012d}"
    # NTA rule: Q = 9 - (sum of digits weighted 1,2,1,2,... from the right) mod 9.
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return f"{9 - total % 9}{body}"


def gstin(serial: int, state: str = "29") -> str:
    """A 15-character Indian GSTIN: state code, PAN, entity code, 'Z' and a mod-36 check character."""
    n = scramble(serial, 9, salt=5)
    letters = "".join(_ALNUM[10 + (n // 26**i) % 26] for i in range(4))
    pan = f"{letters[:3]}C{letters[3]}{n % 10_000:04d}{_ALNUM[10 + n % 26]}"
    head = f"{state}{pan}1Z"
    total = 0
    for i, c in enumerate(head):
        product = _ALNUM.index(c) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return head + _ALNUM[(36 - total % 36) % 36]


def fr_vat(siren: str) -> str:
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


@dataclass(frozen=True)
class Ident:
    scheme: str
    scheme_name: str
    id: str


@dataclass(frozen=True)
class CountryIds:
    """How one country's register numbers its companies and how its tax office numbers them.

    `tax_field` is what a customer types into a "tax registration number" field; it is one of the
    entity's identifiers exactly (`tax_in_register`) or differs only by formatting a country-aware
    matcher must undo (e.g. Japan's invoice number "T" + corporate number).
    """

    company: Scheme
    tax: Scheme | None
    tax_field: Callable[[int], str]

    @property
    def schemes(self) -> tuple[Scheme, ...]:
        return (self.company,) if self.tax is None else (self.company, self.tax)


@dataclass(frozen=True)
class Scheme:
    """An identifier scheme and how it numbers the company with a given (country-shifted) serial."""

    scheme: str
    scheme_name: str
    fn: Callable[[int], str]

    def __call__(self, n: int) -> Ident:
        return Ident(self.scheme, self.scheme_name, self.fn(n))


def _fmt(scheme: str, name: str, fn: Callable[[int], str]) -> Scheme:
    return Scheme(scheme, name, fn)


def _siren(n: int) -> str:
    return f"{scramble(n, 9, 1):09d}"


def _br_cnpj(n: int) -> str:
    d = f"{scramble(n, 8, 2):08d}"
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/0001-{(n * 37) % 100:02d}"


def _cin(n: int) -> str:
    return f"U72200KA{2000 + n % 24}PTC{scramble(n, 6):06d}"


def _ein(n: int) -> str:
    d = f"{scramble(n, 9):09d}"
    return f"{d[:2]}-{d[2:]}"


def _cl_rut(n: int) -> str:
    d = f"{scramble(n, 6):06d}"
    return f"76.{d[:3]}.{d[3:]}-{n % 10}"


def _che(n: int) -> str:
    d = f"{scramble(n, 9, 4):09d}"
    return f"CHE-{d[:3]}.{d[3:6]}.{d[6:]}"


def _se_orgnr(n: int) -> str:
    d = f"{scramble(n, 7, 6):07d}"
    return f"556{d[:3]}-{d[3:]}"


def _mx_rfc(n: int) -> str:
    letters = "".join(_ALNUM[10 + (n // 26**i) % 26] for i in range(3))
    return f"{letters}{scramble(n, 6, 7):06d}{_ALNUM[n % 36]}{_ALNUM[(n // 36) % 36]}{n % 10}"


def _kr_brn(n: int) -> str:
    d = f"{scramble(n, 10, 8):010d}"
    return f"{d[:3]}-{d[3:5]}-{d[5:]}"


def _sg_uen(n: int) -> str:
    # Year of registration, five digits, check letter; the year moves on every 10**5 serials.
    return f"{2000 + (n // 100_000) % 25}{scramble(n, 5, 9):05d}{'ABCDEFGHJKLMNRWXZ'[n % 17]}"


COUNTRY_IDS: dict[str, CountryIds] = {
    "US": CountryIds(
        _fmt("US-EIN", "US Employer Identification Number", _ein),
        None,
        _ein,
    ),
    "GB": CountryIds(
        _fmt("GB-COH", "Companies House", lambda n: f"{scramble(n, 8):08d}"),
        _fmt("GB-VAT", "HMRC VAT registration number", lambda n: f"GB{scramble(n, 9, 1):09d}"),
        lambda n: f"GB{scramble(n, 9, 1):09d}",
    ),
    "IE": CountryIds(
        _fmt("IE-CRO", "Companies Registration Office", lambda n: f"{scramble(n, 6):06d}"),
        _fmt("IE-VAT", "Revenue VAT number", lambda n: f"IE{scramble(n, 7, 1):07d}{'ABCDEFGHW'[n % 9]}"),
        lambda n: f"IE{scramble(n, 7, 1):07d}{'ABCDEFGHW'[n % 9]}",
    ),
    "DE": CountryIds(
        _fmt("DE-CR", "Handelsregister", lambda n: f"HRB {scramble(n, 6) + 100_000}"),
        _fmt("DE-VAT", "Umsatzsteuer-Identifikationsnummer", lambda n: f"DE{scramble(n, 9, 1):09d}"),
        lambda n: f"DE{scramble(n, 9, 1):09d}",
    ),
    "AT": CountryIds(
        _fmt("AT-FB", "Firmenbuch", lambda n: f"FN {scramble(n, 6) + 100_000}{'abcdfghikmpstvwxyz'[n % 18]}"),
        _fmt("AT-VAT", "UID-Nummer", lambda n: f"ATU{scramble(n, 8, 1):08d}"),
        lambda n: f"ATU{scramble(n, 8, 1):08d}",
    ),
    "CH": CountryIds(
        _fmt("CH-UID", "Unternehmens-Identifikationsnummer", _che),
        None,
        _che,
    ),
    "FR": CountryIds(
        _fmt("FR-RCS", "Registre du commerce et des sociétés (SIREN)", _siren),
        _fmt("FR-VAT", "Numéro de TVA intracommunautaire", lambda n: fr_vat(_siren(n))),
        lambda n: fr_vat(_siren(n)),
    ),
    "NL": CountryIds(
        _fmt("NL-KVK", "Kamer van Koophandel", lambda n: f"{scramble(n, 8):08d}"),
        _fmt("NL-VAT", "Btw-identificatienummer", lambda n: f"NL{scramble(n, 9, 1):09d}B01"),
        lambda n: f"NL{scramble(n, 9, 1):09d}B01",
    ),
    "SE": CountryIds(
        _fmt("SE-BLV", "Bolagsverket", _se_orgnr),
        _fmt("SE-VAT", "Momsregistreringsnummer", lambda n: "SE" + _se_orgnr(n).replace("-", "") + "01"),
        lambda n: "SE" + _se_orgnr(n).replace("-", "") + "01",
    ),
    "ES": CountryIds(
        _fmt("ES-NIF", "Número de identificación fiscal", lambda n: f"B{scramble(n, 8):08d}"),
        _fmt("ES-VAT", "NIF-IVA", lambda n: f"ESB{scramble(n, 8):08d}"),
        lambda n: f"ESB{scramble(n, 8):08d}",
    ),
    "IT": CountryIds(
        _fmt("IT-RI", "Registro delle Imprese (REA)", lambda n: f"MI-{scramble(n, 7):07d}"),
        _fmt("IT-VAT", "Partita IVA", lambda n: f"IT{scramble(n, 11, 1):011d}"),
        lambda n: f"IT{scramble(n, 11, 1):011d}",
    ),
    "PL": CountryIds(
        _fmt("PL-KRS", "Krajowy Rejestr Sądowy", lambda n: f"{scramble(n, 10):010d}"),
        _fmt("PL-VAT", "NIP", lambda n: f"PL{scramble(n, 10, 1):010d}"),
        lambda n: f"PL{scramble(n, 10, 1):010d}",
    ),
    "BR": CountryIds(_fmt("BR-CNPJ", "Cadastro Nacional da Pessoa Jurídica", _br_cnpj), None, _br_cnpj),
    "MX": CountryIds(
        _fmt("MX-RFC", "Registro Federal de Contribuyentes", _mx_rfc), None, _mx_rfc
    ),
    "JP": CountryIds(
        _fmt("JP-JCN", "Corporate Number (National Tax Agency)", jp_corporate_number),
        None,
        # The qualified-invoice registration number customers quote is "T" + the corporate number.
        lambda n: "T" + jp_corporate_number(n),
    ),
    "KR": CountryIds(
        _fmt("KR-BRN", "Business registration number", _kr_brn), None, _kr_brn
    ),
    "IN": CountryIds(
        _fmt("IN-MCA", "Ministry of Corporate Affairs (CIN)", _cin),
        _fmt("IN-GST", "GSTIN", gstin),
        gstin,
    ),
    "SG": CountryIds(
        _fmt("SG-ACRA", "Accounting and Corporate Regulatory Authority (UEN)", _sg_uen),
        None,
        _sg_uen,
    ),
    "AU": CountryIds(
        _fmt("AU-ABN", "Australian Business Number", lambda n: f"{10 + n % 90}{scramble(n, 9):09d}"),
        None,
        lambda n: f"{10 + n % 90}{scramble(n, 9):09d}",
    ),
    "NZ": CountryIds(
        _fmt("NZ-NZBN", "New Zealand Business Number", lambda n: f"94290{scramble(n, 8):08d}"),
        None,
        lambda n: f"94290{scramble(n, 8):08d}",
    ),
    "CA": CountryIds(
        _fmt("CA-BN", "Canada Revenue Agency business number", lambda n: f"{scramble(n, 9):09d}"),
        _fmt("CA-GST", "GST/HST account", lambda n: f"{scramble(n, 9):09d}RT0001"),
        lambda n: f"{scramble(n, 9):09d}RT0001",
    ),
    "IL": CountryIds(
        _fmt("IL-ROC", "Israeli Registrar of Companies", lambda n: f"51-{scramble(n, 7):07d}"),
        None,
        lambda n: f"51-{scramble(n, 7):07d}",
    ),
    "AE": CountryIds(
        _fmt("AE-DED", "Dubai Department of Economic Development licence", lambda n: f"{scramble(n, 7):07d}"),
        _fmt("AE-TRN", "Tax Registration Number", lambda n: f"100{scramble(n, 12, 1):012d}"),
        lambda n: f"100{scramble(n, 12, 1):012d}",
    ),
    "RU": CountryIds(
        _fmt("RU-OGRN", "Основной государственный регистрационный номер", lambda n: f"10277{scramble(n, 8):08d}"),
        _fmt("RU-INN", "ИНН", lambda n: f"77{scramble(n, 8, 1):08d}"),
        lambda n: f"77{scramble(n, 8, 1):08d}",
    ),
    "GR": CountryIds(
        _fmt("GR-GEMI", "Γενικό Εμπορικό Μητρώο", lambda n: f"{scramble(n, 12):012d}"),
        _fmt("GR-AFM", "ΑΦΜ (tax number)", lambda n: f"{scramble(n, 9, 1):09d}"),
        # Greece's VAT number is "EL" + the AFM: a country-aware matcher strips the prefix.
        lambda n: f"EL{scramble(n, 9, 1):09d}",
    ),
    "TW": CountryIds(
        _fmt("TW-MOEA", "Unified Business Number", lambda n: f"{scramble(n, 8):08d}"), None,
        lambda n: f"{scramble(n, 8):08d}",
    ),
    "HK": CountryIds(
        _fmt("HK-CR", "Companies Registry", lambda n: f"{scramble(n, 7):07d}"),
        _fmt("HK-BRN", "Business Registration Number", lambda n: f"{scramble(n, 8, 1):08d}"),
        lambda n: f"{scramble(n, 8, 1):08d}",
    ),
    "CN": CountryIds(
        _fmt("CN-SAMR", "State Administration for Market Regulation (USCC)", lambda n: uscc(n, "440300")),
        None,
        lambda n: uscc(n, "440300"),
    ),
    "KY": CountryIds(
        _fmt("KY-ROC", "Cayman Islands General Registry", lambda n: f"CT-{scramble(n, 6):06d}"), None,
        lambda n: "",
    ),
    "VG": CountryIds(
        _fmt("VG-FSC", "BVI Registry of Corporate Affairs", lambda n: f"{scramble(n, 7):07d}"), None,
        lambda n: "",
    ),
    "NO": CountryIds(
        _fmt("NO-BRC", "Brønnøysundregistrene", lambda n: f"9{scramble(n, 8):08d}"),
        _fmt("NO-VAT", "MVA-nummer", lambda n: f"NO9{scramble(n, 8):08d}MVA"),
        lambda n: f"NO9{scramble(n, 8):08d}MVA",
    ),
    "EE": CountryIds(
        _fmt("EE-RIK", "Äriregister", lambda n: f"1{scramble(n, 7):07d}"),
        _fmt("EE-VAT", "KMKR number", lambda n: f"EE10{scramble(n, 7, 1):07d}"),
        lambda n: f"EE10{scramble(n, 7, 1):07d}",
    ),
    "CL": CountryIds(
        _fmt("CL-RUT", "Rol Único Tributario", _cl_rut),
        None,
        _cl_rut,
    ),
    "MO": CountryIds(
        _fmt("MO-CRM", "Conservatória dos Registos Comercial e de Bens Móveis", lambda n: f"SO {scramble(n, 5):05d}"),
        None,
        lambda n: f"{scramble(n, 8, 1):08d}",
    ),
}  # fmt: skip


@functools.cache
def _country_offset(country: str) -> int:
    return ((ord(country[0]) - 65) * 26 + (ord(country[1]) - 65)) * 1009


def _country_serial(country: str, serial: int) -> int:
    """Shift each country's serials differently, so that two registers rarely issue the same number to
    their n-th companies (they may still coincide by chance, as real registers' numbers do)."""
    return serial + _country_offset(country)


def identifier_columns(country: str, serials: Sequence[int]) -> list[tuple[str, str, list[str]]]:
    """(scheme, scheme name, identifiers) of each scheme of `country`, for many serials at once: the
    column-wise form of `entity_identifiers` (without LEIs), for populations of millions."""
    offset = _country_offset(country)
    shifted = [n + offset for n in serials]
    return [(sc.scheme, sc.scheme_name, [sc.fn(n) for n in shifted]) for sc in COUNTRY_IDS[country].schemes]


def entity_identifiers(country: str, serial: int, *, lei_serial: int | None = None) -> list[Ident]:
    """The identifiers a register publishes for entity number `serial` of `country`.

    `lei_serial`, unique across all countries, gives the entity an LEI as well.
    """
    ids = COUNTRY_IDS[country]
    n = _country_serial(country, serial)
    out = [ids.company(n)]
    if ids.tax is not None:
        out.append(ids.tax(n))
    if lei_serial is not None:
        out.append(Ident(*LEI_SCHEME, lei(lei_serial)))
    return out


def company_number(country: str, serial: int) -> str:
    """The register number of entity `serial` of `country` (the first of its identifiers)."""
    return COUNTRY_IDS[country].company(_country_serial(country, serial)).id


def tax_field(country: str, serial: int) -> str:
    """What the customer of entity `serial` of `country` types as its tax registration number."""
    return COUNTRY_IDS[country].tax_field(_country_serial(country, serial))
