"""The hand-written cases every demo world contains, whatever its size: the ownership structures of
docs/design.md §4 and the tenants that probe the matcher and the policy, each with its expected decision.

Invariant: every expected decision here follows from the generated policy (restricted: CN; cascade,
more than 50%, shareholding and votingRights count; roots by incorporation or headquarters, persons by
residence; control without shares -> review; restricted payer -> revoke; reseller for a restricted
customer -> review; low-confidence links never revoke; unmatched tenants judged on their own address
countries; exemptions turn revoke into allow until they expire). Each tenant's `description` says why,
and the world's README prints them.
"""

from __future__ import annotations

import datetime as dt

from demo_world import identifiers as ids
from demo_world.identifiers import Ident
from demo_world.names import NameVariant
from demo_world.population import LinkKey
from demo_world.records import (
    AccountHistory,
    Catalogue,
    Consolidation,
    DeletedAccount,
    Exemption,
    GleifRecord,
    Interest,
    Org,
    Partner,
    Person,
    Relation,
    SanctionsOwnership,
    ScenarioTenant,
    Share,
    Version,
)
from pipeline.policy.definition import TenantDecision

REVOKE, REVIEW, ALLOW = TenantDecision.REVOKE, TenantDecision.REVIEW, TenantDecision.ALLOW
AWS, GCP, AZURE = Partner.AWS, Partner.GCP, Partner.AZURE
V = NameVariant
L = LinkKey


# Share helpers (BODS percentages).
def exact(p: float) -> Share:
    return Share(exact=p)


def shares(p: float, start: dt.date | None = None, end: dt.date | None = None) -> Interest:
    return Interest("shareholding", exact(p), start=start, end=end)


class _Builder:
    """Assigns registry serials (scenario entities use serials below population.FIRST_SERIAL)."""

    def __init__(self, date: dt.date) -> None:
        self.date = date
        self.cat = Catalogue()
        self._serials: dict[str, int] = {}
        self._lei = 0

    def ago(self, days: int) -> dt.date:
        return self.date - dt.timedelta(days=days)

    def years_ago(self, years: int) -> dt.date:
        return self.date.replace(year=self.date.year - years, day=1)

    def serial(self, country: str) -> int:
        n = self._serials.get(country, 0)
        self._serials[country] = n + 1
        return n + 1

    def org(
        self,
        key: str,
        name: str,
        country: str,
        jurisdiction: str | None = None,
        *,
        region: str | None = None,
        lei: bool = False,
        business: str | None = None,
        alt: tuple[str, ...] = (),
        founded_years: int = 8,
        city: str = "",
        register: str | None = None,
        in_register: bool = True,
    ) -> Org:
        scheme_country = register or country
        n = self.serial(scheme_country)
        idents = ids.entity_identifiers(scheme_country, n) if scheme_country in ids.COUNTRY_IDS else []
        if scheme_country == "CN":
            idents = [Ident(idents[0].scheme, idents[0].scheme_name, ids.uscc(n, region or "440300"))]
        if lei:
            self._lei += 1
            idents.append(Ident(*ids.LEI_SCHEME, ids.lei(9_000_000_000 + self._lei, lou="3003")))
        org = Org(
            key=key,
            name=name,
            country=country,
            jurisdiction=jurisdiction or country,
            identifiers=tuple(idents),
            business_country=business,
            alternate_names=alt,
            founded=self.years_ago(founded_years),
            city=city,
            in_register=in_register,
        )
        self.cat.orgs[key] = org
        return org

    def state_body(self, key: str, name: str, country: str, subtype: str) -> Org:
        org = Org(
            key=key,
            name=name,
            country=country,
            jurisdiction=country,
            entity_type="stateBody",
            entity_subtype=subtype,
            founded=self.years_ago(20),
        )
        self.cat.orgs[key] = org
        return org

    def person(
        self, key: str, given: str, family: str, residence: str, *, nationalities: tuple[str, ...], birth: str
    ) -> Person:
        p = Person(key, given, family, residence, nationalities, birth)
        self.cat.persons[key] = p
        return p

    def owns(self, party: str, subject: str, *interests: Interest, on: dt.date | None = None) -> None:
        when = on or self.years_ago(3)
        self.cat.relations.append(
            Relation(f"{party}->{subject}", subject, party, (Version(when, tuple(interests) or (shares(100),)),))
        )

    def history(self, party: str, subject: str, *versions: Version) -> None:
        self.cat.relations.append(Relation(f"{party}->{subject}", subject, party, tuple(versions)))

    def tax(self, org_key: str) -> str:
        """The tax number the customer of `org_key` quotes (its tax or, failing that, company identifier)."""
        org = self.cat.orgs[org_key]
        by_scheme = {i.scheme: i.id for i in org.identifiers}
        for scheme in ("CN-SAMR", "GB-VAT", "DE-VAT", "IE-VAT", "FR-VAT", "NL-VAT", "AT-VAT", "NO-VAT", "EE-VAT",
                       "CA-GST", "HK-BRN", "IN-GST"):  # fmt: skip
            if scheme in by_scheme:
                return by_scheme[scheme]
        if "JP-JCN" in by_scheme:
            return "T" + by_scheme["JP-JCN"]
        return org.identifiers[0].id if org.identifiers else ""

    def company_number(self, org_key: str) -> str:
        return self.cat.orgs[org_key].identifiers[0].id

    def lei(self, org_key: str) -> str:
        return next(i.id for i in self.cat.orgs[org_key].identifiers if i.scheme == "XI-LEI")

    def tenant(self, t: ScenarioTenant) -> None:
        self.cat.tenants.append(t)


def build(date: dt.date) -> Catalogue:
    """The scenario catalogue for logical date `date`."""
    b = _Builder(date)
    _state_owned(b)
    _huaxin_group(b)
    _cn_companies(b)
    _aggregation_and_bands(b)
    _cross_holdings(b)
    _persons_and_lookalikes(b)
    _time(b)
    _account_relations(b)
    _unregistered(b)
    _azure(b)
    _other_sources(b)  # last: the serials and LEIs of the scenarios above stay as they were
    return b.cat


def _state_owned(b: _Builder) -> None:
    b.state_body(
        "sasac",
        "State-owned Assets Supervision and Administration Commission of the State Council",
        "CN",
        "stateAgency",
    )
    b.org("meridian_shipping", "China Meridian Shipping Group Co., Ltd.", "CN", "CN-SH", region="310115",
          alt=("中国子午航运集团有限公司",), lei=True)  # fmt: skip
    b.owns("sasac", "meridian_shipping", shares(100))
    b.org("sunward", "Sunward Marine Engineering Pte. Ltd.", "SG")
    b.owns("meridian_shipping", "sunward", shares(100))
    b.org("baltic_crane", "Baltic Crane Systems OÜ", "EE")
    b.owns("meridian_shipping", "baltic_crane", shares(100))
    b.org("nordwerk", "Nordwerk Antriebstechnik GmbH", "DE", city="Hamburg")
    b.person("nordwerk_founder", "Jonas", "Becker", "DE", nationalities=("DE",), birth="1968-03")
    b.owns("sasac", "nordwerk", shares(60))
    b.owns("nordwerk_founder", "nordwerk", shares(40))

    b.tenant(ScenarioTenant(
        "sunward_aws", AWS, "exemption_active", ALLOW, "Sunward Marine Engineering Pte. Ltd.", "SG", "sunward",
        V.EXACT, L.TAX_ID, tax=b.tax("sunward"), exemption="EX-DEMO-001", leading_zeros=True,
        description="Singapore subsidiary of a Chinese state-owned group (restricted), but an active "
        "exemption signed by Legal turns the revocation into allow.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "baltic_crane_gcp", GCP, "exemption_expired", REVOKE, "Baltic Crane Systems OÜ", "EE", "baltic_crane",
        V.EXACT, L.TAX_ID, tax=b.tax("baltic_crane"),
        description="Estonian subsidiary of a Chinese state-owned group; its exemption expired before the "
        "logical date, so it no longer applies.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "nordwerk_aws", AWS, "state_body_direct", REVOKE, "Nordwerk Antriebstechnik GmbH", "DE", "nordwerk",
        V.EXACT, L.TAX_ID, tax=b.tax("nordwerk"),
        description="German company 60% held directly by a Chinese state body (a restricted root).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "nordwerk_typo_aws", AWS, "misspelled_restricted_abroad", REVOKE, "Nordwerk Antriebstechnick GmbH", "DE",
        "nordwerk", V.MISSPELLED, L.NAME,
        description="A second account of the same German company, with one typing error in its name and no "
        "tax number: a close fuzzy match (similarity about 98) within Germany.",
    ))  # fmt: skip
    b.cat.exemptions.append(Exemption(
        "EX-DEMO-001", "Divestment of the state-owned parent signed; registry update pending",
        "J. Doe (Legal)", b.ago(20), b.date + dt.timedelta(days=70), partner="aws", tenant="sunward_aws",
    ))  # fmt: skip
    b.cat.exemptions.append(Exemption(
        "EX-DEMO-002", "Temporary wind-down period for an existing support contract",
        "A. Smith (Legal)", b.ago(200), b.ago(15), entity="baltic_crane",
    ))  # fmt: skip


def _huaxin_group(b: _Builder) -> None:
    b.person("zhang_wei", "Wei", "Zhang", "CN", nationalities=("CN",), birth="1971-06")
    b.person("liu_yang", "Yang", "Liu", "CN", nationalities=("CN",), birth="1975-11")
    b.org("huaxin_holdings", "Huaxin Holdings Group Co., Ltd.", "CN", "CN-GD", region="440300",
          alt=("华信控股集团有限公司",), lei=True, city="Shenzhen")  # fmt: skip
    b.owns("zhang_wei", "huaxin_holdings", shares(60))
    b.owns("liu_yang", "huaxin_holdings", shares(40))
    b.org("huaxin_sz", "Shenzhen Huaxin Technology Co., Ltd.", "CN", "CN-GD", region="440300",
          alt=("深圳华信科技有限公司",), city="Shenzhen")  # fmt: skip
    b.owns("huaxin_holdings", "huaxin_sz", shares(100))
    b.org("huaxin_sg", "Huaxin Technology (Singapore) Pte. Ltd.", "SG")
    b.owns("huaxin_holdings", "huaxin_sg", shares(100))
    b.org("rheinland_ventures", "Rheinland Ventures GmbH", "DE")
    b.person("rheinland_partner", "Anna", "Fischer", "DE", nationalities=("DE",), birth="1979-02")
    b.owns("rheinland_partner", "rheinland_ventures", shares(100))
    b.org("huaxin_eu", "Huaxin Analytics Europe GmbH", "DE", city="Frankfurt am Main")
    b.owns("huaxin_sg", "huaxin_eu", shares(70))
    b.owns("rheinland_ventures", "huaxin_eu", shares(30))
    # A declared indirect interest, consistent with the chain (100% x 70%): not an edge, a check.
    b.owns("huaxin_holdings", "huaxin_eu", Interest("shareholding", exact(70), direct_or_indirect="indirect"))

    b.tenant(ScenarioTenant(
        "huaxin_sz_aws", AWS, "cn_incorporated_subdivision", REVOKE, "Shenzhen Huaxin Technology Co., Ltd.", "CN",
        "huaxin_sz", V.EXACT, L.TAX_ID, tax=b.tax("huaxin_sz"),
        description="Incorporated in Guangdong (jurisdiction code CN-GD, an ISO 3166-2 subdivision of CN).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_sz_gcp", GCP, "cn_swapped_order", REVOKE, "Huaxin Technology (Shenzhen) Co., Ltd.", "CN",
        "huaxin_sz", V.SWAPPED_ORDER, L.NAME, billing_group="huaxin-cn",
        description="The same Shenzhen company on GCP, its name written with the city moved to the end and no "
        "tax id; revoked whether or not the name links (a mainland sign-up address).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_sg_aws", AWS, "sg_subsidiary_of_cn", REVOKE, "Huaxin Technology (Singapore) Pte. Ltd.", "SG",
        "huaxin_sg", V.EXACT, L.TAX_ID, tax=b.tax("huaxin_sg"),
        description="Singapore subsidiary, 100% owned by a Shenzhen holding company.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_eu_gcp", GCP, "de_grandchild_name_only", REVOKE, "Huaxin Analytics Europe GmbH", "DE", "huaxin_eu",
        V.EXACT, L.NAME,
        description="German company 70% owned by the Singapore subsidiary (restricted by cascade); linked by "
        "exact name only. The parent also declares this 70% as an indirect interest (a consistency check, "
        "not an extra edge).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_eu_fuzzy_aws", AWS, "low_confidence_fuzzy", REVIEW, "Huaxin Analytic EU", "DE", "huaxin_eu",
        V.HEAVY, L.NAME,
        description="The restricted German grandchild written as 'Huaxin Analytic EU' (similarity about 88 after "
        "dropping the legal form): a fuzzy link below the revoke confidence, so review, not revoke.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_holdings_aws", AWS, "cn_payer_account", REVOKE, "Huaxin Holdings Group Co., Ltd.", "CN",
        "huaxin_holdings", V.EXACT, L.TAX_ID, tax=b.tax("huaxin_holdings"),
        description="The Shenzhen holding company's AWS payer account; it also pays for an unrelated "
        "US consultancy's account.",
    ))  # fmt: skip


def _cn_companies(b: _Builder) -> None:
    b.org("beijing_zhongke", "Beijing Zhongke Xinghe Data Co., Ltd.", "CN", "CN-BJ", region="110108",
          alt=("北京中科星河数据有限公司",), city="Beijing")  # fmt: skip
    b.org("zhongke_sg", "Zhongke Cloud (Singapore) Pte. Ltd.", "SG")
    b.owns("beijing_zhongke", "zhongke_sg", shares(100))
    b.org("tianrui", "Guangzhou Tianrui Electronics Co., Ltd.", "CN", "CN-GD", region="440100",
          alt=("广州天瑞电子有限公司",), city="Guangzhou")  # fmt: skip
    b.org("yunfan", "Hangzhou Yunfan Intelligent Technology Co., Ltd.", "CN", "CN-ZJ", region="330106",
          alt=("杭州云帆智能科技有限公司",), city="Hangzhou")  # fmt: skip
    b.org("orbital_pixel", "Orbital Pixel Studios Ltd", "GB")
    b.person("orbital_founder", "Grace", "Hughes", "GB", nationalities=("GB",), birth="1985-09")
    b.owns("orbital_founder", "orbital_pixel", shares(100))
    b.org("plus86", "+86 Digital Media (Shenzhen) Co., Ltd.", "CN", "CN-GD", region="440300",
          alt=("八六数字传媒(深圳)有限公司",))  # fmt: skip
    b.org("ruixiang", "Chengdu Ruixiang New Energy Co., Ltd.", "CN", "CN-SC", region="510107",
          alt=("成都瑞祥新能源有限公司",))  # fmt: skip
    b.org("golden_bridge_cn", "Golden Bridge Trading Co., Ltd.", "CN", "CN-ZJ", region="330212",
          alt=("金桥贸易有限公司",))  # fmt: skip
    b.org("golden_bridge_nz", "Golden Bridge Trading Limited", "NZ")
    b.person("golden_bridge_nz_owner", "Jack", "Walker", "NZ", nationalities=("NZ",), birth="1966-12")
    b.owns("golden_bridge_nz_owner", "golden_bridge_nz", shares(100))

    zhongke_uen = b.tax("zhongke_sg")
    b.tenant(ScenarioTenant(
        "zhongke_wade_aws", AWS, "cn_romanised_wade_giles", REVOKE, "Peking Chung-k'o Hsing-ho Data Co Ltd", "CN",
        "beijing_zhongke", V.ROMANISED, L.NAME,
        description="A Beijing company written in Wade-Giles romanisation (Peking Chung-k'o Hsing-ho) instead of "
        "pinyin, no tax number: hard to link, and revoked on its mainland address either way.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "zhongke_sg_aws", AWS, "tax_number_corrected", REVOKE, "ZK Cloud SG", "SG", "zhongke_sg", V.HEAVY, L.TAX_ID,
        tax=zhongke_uen, history=AccountHistory(wrong_tax_number=zhongke_uen[:-2] + "7X", corrected_days_ago=12),
        description="Singapore subsidiary of a Beijing company under an unlinkable short name; the account row "
        "first carried a mistyped UEN, and a correction row (same valid_from, newer update_date) holds the right "
        "one. Only the corrected number links it.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "tianrui_aws", AWS, "cn_misspelled_tax_formatted", REVOKE, "Guangzhou Tianrui Electronic Co Ltd", "CN",
        "tianrui", V.MISSPELLED, L.TAX_ID_FORMATTED,
        tax=" ".join(b.tax("tianrui")[i : i + 6] for i in range(0, 18, 6)).lower(),
        description="Misspelled name; the Unified Social Credit Code typed in lower case with spaces.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "yunfan_gcp", GCP, "cn_incorporated_subdivision", REVOKE, "Hangzhou Yunfan Intelligent Technology Co., Ltd.",
        "CN", "yunfan", V.EXACT, L.TAX_ID, tax=b.tax("yunfan"), billing_group="yunfan-shared",
        description="Incorporated in Zhejiang (CN-ZJ); shares its Cloud Billing account with a British studio.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "orbital_pixel_gcp", GCP, "gcp_shared_billing_with_restricted", REVIEW, "Orbital Pixel Studios Ltd", "GB",
        "orbital_pixel", V.EXACT, L.COMPANY_NUMBER, company_number=b.company_number("orbital_pixel"),
        billing_group="yunfan-shared",
        description="A clear British company whose GCP account uses the same Cloud Billing account as a "
        "restricted Hangzhou company: the billing account is probably, not provably, the restricted party's "
        "(tenants.shared_billing_with_restricted: review).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "plus86_aws", AWS, "spreadsheet_formula_name", REVOKE, "+86 Digital Media (Shenzhen) Co., Ltd.", "CN",
        "plus86", V.EXACT, L.TAX_ID, tax=b.tax("plus86"),
        description="A mainland company whose name starts with '+': the published list must neutralise it "
        "against spreadsheet formula execution.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "ruixiang_gcp", GCP, "gcp_pending_signup_cn", REVOKE, "Chengdu Ruixiang New Energy Co., Ltd.", "CN",
        "ruixiang", V.EXACT, L.TAX_ID, tax=b.tax("ruixiang"), gcp_state="ACCOUNT_ACTIVATION_REQUESTED",
        description="A Chengdu company whose GCP account is still pending approval: listed so the partner "
        "rejects it.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "golden_bridge_nz_gcp", GCP, "decoy_other_country", ALLOW, "Golden Bridge Trading Ltd", "NZ",
        "golden_bridge_nz", V.DECOY_OTHER_COUNTRY, L.NAME,
        description="New Zealand company with the same name as a restricted Chinese one: must link to the NZ "
        "entity (same country) and stay allowed.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "golden_bridge_cn_aws", AWS, "decoy_other_country", REVOKE, "Golden Bridge Trading Co Ltd", "CN",
        "golden_bridge_cn", V.DECOY_OTHER_COUNTRY, L.NAME,
        description="The Chinese namesake, no tax number: links within China and is revoked.",
    ))  # fmt: skip


def _aggregation_and_bands(b: _Builder) -> None:
    b.org("hongda", "Shanghai Hongda Intelligent Equipment Co., Ltd.", "CN", "CN-SH", region="310115",
          alt=("上海宏达智能装备有限公司",))  # fmt: skip
    b.org("yongfeng", "Suzhou Yongfeng Precision Machinery Co., Ltd.", "CN", "CN-JS", region="320505",
          alt=("苏州永丰精密机械有限公司",))  # fmt: skip
    b.org("jiahe", "Wuhan Jiahe Optoelectronics Co., Ltd.", "CN", "CN-HB", region="420111",
          alt=("武汉嘉禾光电有限公司",))  # fmt: skip
    b.org("kaisheng", "Xiamen Kaisheng Interactive Entertainment Co., Ltd.", "CN", "CN-FJ", region="350203",
          alt=("厦门凯晟互动娱乐有限公司",))  # fmt: skip

    b.org("meridian_robotics", "Meridian Robotics B.V.", "NL")
    b.person("meridian_founder", "Sophie", "de Vries", "NL", nationalities=("NL",), birth="1980-05")
    b.owns("hongda", "meridian_robotics", shares(30))
    b.owns("yongfeng", "meridian_robotics", shares(25))
    b.owns("meridian_founder", "meridian_robotics", shares(45))
    b.org("atlas_sensorik", "Atlas Sensorik AG", "CH")
    b.person("atlas_founder", "Felix", "Meyer", "CH", nationalities=("CH",), birth="1972-08")
    b.owns("hongda", "atlas_sensorik", shares(30))
    b.owns("yongfeng", "atlas_sensorik", shares(20))
    b.owns("atlas_founder", "atlas_sensorik", shares(50))
    b.org("nordlicht", "Nordlicht Mobility GmbH", "DE")
    b.person("nordlicht_founder", "Leon", "Wagner", "DE", nationalities=("DE",), birth="1983-01")
    b.owns("ruixiang", "nordlicht", shares(49.9))
    b.owns("nordlicht_founder", "nordlicht", shares(50.1))

    band = "ownership-of-shares-more-than-50-percent-but-less-than-75-percent"
    b.org("kestrel", "Kestrel Components Ltd", "GB")
    b.person("kestrel_director", "Olivia", "Clarke", "GB", nationalities=("GB",), birth="1977-04")
    b.owns(
        "jiahe", "kestrel", Interest("shareholding", Share(exclusive_minimum=50, exclusive_maximum=75), details=band)
    )
    b.owns("kestrel_director", "kestrel", Interest("shareholding", Share(exclusive_minimum=25, maximum=50),
           details="ownership-of-shares-more-than-25-percent-but-not-more-than-50-percent"))  # fmt: skip
    b.org("bluewater", "Bluewater Logistics Ltd", "GB")
    b.person("bluewater_owner", "Henry", "Evans", "GB", nationalities=("GB",), birth="1969-10")
    b.owns("jiahe", "bluewater", Interest("shareholding", Share(exclusive_minimum=25, maximum=50),
           details="ownership-of-shares-more-than-25-percent-but-not-more-than-50-percent"))  # fmt: skip
    b.owns("bluewater_owner", "bluewater", Interest("shareholding", Share(exclusive_minimum=50, exclusive_maximum=75),
           details=band))  # fmt: skip
    b.org("harbourside", "Harbourside Fintech Limited", "IE")
    b.owns("jiahe", "harbourside", Interest("shareholding", Share(minimum=40, maximum=60)))
    b.org("ostsee", "Ostsee Windkraft GmbH", "DE")
    b.owns("ruixiang", "ostsee", Interest("shareholding", Share(minimum=50, maximum=75)))
    b.org("orchid_bay", "Orchid Bay Trading Pte. Ltd.", "SG")
    b.owns("hongda", "orchid_bay", Interest("shareholding", None, details="share not disclosed"))
    b.org("vantage_grid", "Vantage Grid Energy SAS", "FR")
    b.person("vantage_owner_a", "Camille", "Martin", "FR", nationalities=("FR",), birth="1974-07")
    b.person("vantage_owner_b", "Hugo", "Dubois", "FR", nationalities=("FR",), birth="1976-03")
    b.owns("vantage_owner_a", "vantage_grid", shares(55))
    b.owns("vantage_owner_b", "vantage_grid", shares(45))
    b.owns("meridian_shipping", "vantage_grid", Interest("appointmentOfBoard", None,
           details="right to appoint a majority of the board under a shareholders' agreement"))  # fmt: skip
    b.org("ridgeway", "Ridgeway Games Inc.", "CA", "CA-ON")
    b.person("ridgeway_founder", "Liam", "Taylor", "CA", nationalities=("CA",), birth="1986-02")
    b.owns("kaisheng", "ridgeway", shares(30), Interest("votingRights", exact(60)))
    b.owns("ridgeway_founder", "ridgeway", shares(70), Interest("votingRights", exact(40)))

    _aggregation_tenants(b)


def _aggregation_tenants(b: _Builder) -> None:
    b.tenant(ScenarioTenant(
        "meridian_robotics_gcp", GCP, "aggregation_two_cn_owners", REVOKE, "Meridian Robotics B.V.", "NL",
        "meridian_robotics", V.EXACT, L.TAX_ID, tax=b.tax("meridian_robotics"),
        description="Dutch company 30% + 25% owned by two Chinese companies: neither alone is a majority, "
        "together 55% > 50%.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "atlas_aws", AWS, "aggregation_exactly_50", ALLOW, "Atlas Sensorik AG", "CH", "atlas_sensorik", V.EXACT,
        L.TAX_ID, tax=b.tax("atlas_sensorik"),
        description="Swiss company 30% + 20% Chinese-owned: exactly 50%, which is not more than 50%.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "nordlicht_aws", AWS, "minority_49_9", ALLOW, "Nordlicht Mobility GmbH", "DE", "nordlicht", V.EXACT,
        L.TAX_ID, tax=b.tax("nordlicht"), name_in_tax_legal_name_only=True,
        description="German company 49.9% owned by a Chinese company: close, but not more than 50%. Its AWS "
        "address leaves company_name empty; the account's tax_legal_name names it.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "kestrel_gcp", GCP, "band_more_than_50", REVOKE, "Kestrel Components Limited", "GB", "kestrel",
        V.SUFFIX_VARIANT, L.COMPANY_NUMBER, company_number=b.company_number("kestrel"),
        description="UK register band 'more than 50% but less than 75%' (exclusiveMinimum 50) held by a Chinese "
        "company: strictly more than 50% at the low end.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "bluewater_aws", AWS, "band_at_most_50", ALLOW, "Bluewater Logistics Ltd", "GB", "bluewater", V.EXACT,
        L.TAX_ID, tax=b.tax("bluewater"),
        description="UK band 'more than 25% but not more than 50%' (maximum 50) held by a Chinese company: can "
        "never exceed 50%.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "harbourside_aws", AWS, "band_straddles_50", REVIEW, "Harbourside Fintech Limited", "IE", "harbourside",
        V.EXACT, L.TAX_ID, tax=b.tax("harbourside"),
        description="A Chinese company holds between 40% and 60%: may or may not exceed 50% -> review.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "ostsee_gcp", GCP, "band_min_50_inclusive", REVIEW, "Ostsee Windkraft GmbH", "DE", "ostsee", V.EXACT,
        L.TAX_ID, tax=b.tax("ostsee"),
        description="A Chinese company holds 'minimum 50, maximum 75' (inclusive 50): the low end is not more "
        "than 50%, the high end is -> review.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "orchid_bay_gcp", GCP, "unknown_share", REVIEW, "Orchid Bay Trading Pte. Ltd.", "SG", "orchid_bay", V.EXACT,
        L.TAX_ID, tax=b.tax("orchid_bay"),
        description="Its only declared shareholder is a Chinese company with an undisclosed share: anywhere "
        "in [0, 100%] -> review.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "vantage_aws", AWS, "control_without_shares", REVIEW, "Vantage Grid Energy SAS", "FR", "vantage_grid",
        V.EXACT, L.TAX_ID, tax=b.tax("vantage_grid"),
        description="French persons hold all shares, but a Chinese state-owned group appoints the board "
        "(appointmentOfBoard): control without shares -> review.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "ridgeway_aws", AWS, "voting_rights_majority", REVOKE, "Ridgeway Games Inc.", "CA", "ridgeway", V.EXACT,
        L.TAX_ID, tax=b.tax("ridgeway"),
        description="A Chinese company holds 30% of the shares but 60% of the votes; the edge takes the larger.",
    ))  # fmt: skip


def _cross_holdings(b: _Builder) -> None:
    b.org("pearl_river", "Pearl River Semiconductor Co., Ltd.", "CN", "CN-GD", region="440100",
          alt=("珠江半导体有限公司",), lei=True)  # fmt: skip
    b.org("changjiang", "Wuhan Changjiang Advanced Materials Co., Ltd.", "CN", "CN-HB", region="420111",
          alt=("武汉长江先进材料有限公司",))  # fmt: skip
    b.org("hanseatic", "Hanseatic Chip Design GmbH", "DE", city="Hamburg")
    b.org("elbe", "Elbe Silicon GmbH", "DE", city="Dresden")
    b.person("hanseatic_founder", "Lukas", "Schmidt", "DE", nationalities=("DE",), birth="1975-05")
    b.person("elbe_founder", "Marie", "Weber", "DE", nationalities=("DE",), birth="1981-09")
    b.owns("pearl_river", "hanseatic", shares(40))
    b.owns("changjiang", "hanseatic", shares(15))
    b.owns("elbe", "hanseatic", shares(20))
    b.owns("hanseatic_founder", "hanseatic", shares(25))
    b.owns("hanseatic", "elbe", shares(60))
    b.owns("elbe_founder", "elbe", shares(40))
    b.org("pearl_delta_hk", "Pearl Delta Holdings (HK) Limited", "HK", lei=True)
    b.owns("pearl_river", "pearl_delta_hk", shares(100))

    b.org("tianjin_haiyang", "Tianjin Haiyang Trading Co., Ltd.", "CN", "CN-TJ", region="120116")
    b.org("kaito_precision", "Kaitō Seimitsu Co., Ltd.", "JP")
    b.org("kaito_trading", "Kaitō Shōji Co., Ltd.", "JP")
    b.person("kaito_family", "Haruto", "Yamamoto", "JP", nationalities=("JP",), birth="1958-01")
    b.owns("tianjin_haiyang", "kaito_precision", shares(20))
    b.owns("kaito_trading", "kaito_precision", shares(25))
    b.owns("kaito_family", "kaito_precision", shares(55))
    b.owns("kaito_precision", "kaito_trading", shares(25))
    b.owns("kaito_family", "kaito_trading", shares(75))

    b.org("fjell_data", "Fjell Data AS", "NO")
    b.org("fjell_holding", "Fjell Holding AS", "NO")
    b.person("fjell_owner", "Ingrid", "Hansen", "NO", nationalities=("NO",), birth="1970-03")
    b.owns("fjell_holding", "fjell_data", shares(60))
    b.owns("fjell_data", "fjell_holding", shares(60))
    b.owns("fjell_owner", "fjell_data", shares(40))
    b.owns("fjell_owner", "fjell_holding", shares(40))

    b.tenant(ScenarioTenant(
        "hanseatic_aws", AWS, "cross_holding_restricted", REVOKE, "Hanseatic Chip Design GmbH", "DE", "hanseatic",
        V.EXACT, L.TAX_ID, tax=b.tax("hanseatic"),
        description="40% + 15% held by two Chinese companies (55%); it holds 60% of Elbe Silicon, which holds "
        "20% of it back (a cross-holding cycle).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "elbe_gcp", GCP, "cross_holding_restricted", REVOKE, "Elbe Silicon GmbH", "DE", "elbe", V.EXACT, L.NAME,
        description="60% owned by the restricted Hanseatic Chip Design, inside a cross-holding cycle; linked "
        "by exact name.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "pearl_delta_gcp", GCP, "hong_kong_subsidiary_of_cn", REVOKE, "Pearl Delta Holdings (HK) Ltd", "HK",
        "pearl_delta_hk", V.SUFFIX_VARIANT, L.LEI, lei=b.lei("pearl_delta_hk"),
        description="Hong Kong company 100% owned by a Guangzhou company: HK is not CN, but its owner is. "
        "Linked by LEI.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "kaito_aws", AWS, "cross_holding_clear", ALLOW, "Kaito Seimitsu Co., Ltd.", "JP", "kaito_precision",
        V.ROMANISED, L.TAX_ID_FORMATTED, tax=b.tax("kaito_precision"),
        description="Japanese cross-holding (25% each way) with a 20% Chinese shareholder: 20% is all that "
        "reaches it. Name without macrons; tax number is 'T' + corporate number.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "fjell_gcp", GCP, "majority_cycle_clear", ALLOW, "Fjell Data AS", "NO", "fjell_data", V.EXACT, L.TAX_ID,
        tax=b.tax("fjell_data"),
        description="Two Norwegian companies each holding 60% of the other (a majority cycle): the ultimate "
        "parent search must stop and flag the cycle; nothing restricted anywhere.",
    ))  # fmt: skip


def _persons_and_lookalikes(b: _Builder) -> None:
    b.person("wang_lei", "Lei", "Wang", "CN", nationalities=("CN",), birth="1980-04")
    b.org("silverline", "Silverline Apps Ltd", "GB")
    b.person("silverline_cofounder", "James", "Wright", "GB", nationalities=("GB",), birth="1984-06")
    b.owns("wang_lei", "silverline", shares(80))
    b.owns("silverline_cofounder", "silverline", shares(20))
    b.person("li_wei", "Wei", "Li", "CA", nationalities=("CN",), birth="1982-12")
    b.org("maple_leaf", "Maple Leaf Data Inc.", "CA", "CA-BC")
    b.owns("li_wei", "maple_leaf", shares(100))
    b.person("chen_mei", "Mei", "Chen", "GB", nationalities=("GB",), birth="1978-02")
    b.org("golden_dragon", "Golden Dragon Trading Ltd", "GB")
    b.owns("chen_mei", "golden_dragon", shares(100))
    b.person("wong_michael", "Michael", "Wong", "AU", nationalities=("AU",), birth="1965-05")
    b.person("wong_sarah", "Sarah", "Wong", "AU", nationalities=("AU",), birth="1968-09")
    b.org("shanghai_garden", "Shanghai Garden Restaurant Group Pty Ltd", "AU")
    b.owns("wong_michael", "shanghai_garden", shares(70))
    b.owns("wong_sarah", "shanghai_garden", shares(30))
    _lookalike_structures(b)


def _lookalike_structures(b: _Builder) -> None:
    b.person("formosa_chair", "Chih-ming", "Lin", "TW", nationalities=("TW",), birth="1960-07")
    b.org("formosa", "Formosa Precision Instruments Co., Ltd.", "TW", "CN-TW")
    b.owns("formosa_chair", "formosa", shares(100))
    b.org("hsinchu_photonics", "Hsinchu Photonics Corporation", "TW", "TW")
    b.owns("formosa", "hsinchu_photonics", shares(65))
    b.person("victoria_owner", "Ka-ming", "Leung", "HK", nationalities=("HK",), birth="1973-03")
    b.org("victoria_harbour", "Victoria Harbour Trading Limited", "HK", "CN-HK")
    b.owns("victoria_owner", "victoria_harbour", shares(100))
    b.org("kowloon_bay", "Kowloon Bay Capital Limited", "HK", "HK")
    b.owns("victoria_harbour", "kowloon_bay", shares(75))
    b.person("cotai_owner", "Sou", "Ieong", "MO", nationalities=("MO",), birth="1969-08")
    b.org("cotai", "Cotai Leisure Technology Limited", "MO", "CN-MO")
    b.owns("cotai_owner", "cotai", shares(100))
    b.org("jade_summit", "Jade Summit Investments Ltd", "VG", "VG", business="HK")
    b.owns("victoria_owner", "jade_summit", shares(100))
    b.person("lotus_founder", "Jun", "Zhao", "SG", nationalities=("CN",), birth="1979-01")
    b.org("lotus_peak", "Lotus Peak Holdings Ltd.", "KY", "KY", business="CN", lei=True)
    b.owns("lotus_founder", "lotus_peak", Interest("shareholding", Share(minimum=25, maximum=50)))
    b.org("lotus_peak_ai", "Lotus Peak AI Inc.", "US", "US-DE")
    b.owns("lotus_peak", "lotus_peak_ai", shares(100))
    _lookalike_tenants(b)


def _lookalike_tenants(b: _Builder) -> None:
    b.tenant(ScenarioTenant(
        "silverline_aws", AWS, "person_resident_cn", REVOKE, "Silverline Apps Ltd", "GB", "silverline", V.EXACT,
        L.TAX_ID, tax=b.tax("silverline"),
        description="British company 80% owned by a natural person resident in mainland China (a restricted root).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "maple_leaf_gcp", GCP, "person_cn_national_resident_abroad", ALLOW, "Maple Leaf Data Inc.", "CA",
        "maple_leaf", V.EXACT, L.NAME,
        description="Canadian company wholly owned by a Chinese national resident in Canada: the policy counts "
        "residence, not nationality.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "golden_dragon_aws", AWS, "chinese_sounding_name_no_cn_owner", ALLOW, "Golden Dragon Trading Ltd", "GB",
        "golden_dragon", V.EXACT, L.TAX_ID, tax=b.tax("golden_dragon"),
        description="A Chinese-sounding British company owned by a British resident: nothing restricted.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "shanghai_garden_gcp", GCP, "chinese_sounding_name_no_cn_owner", ALLOW,
        "Shanghai Garden Restaurant Group Pty Ltd", "AU", "shanghai_garden", V.EXACT, L.TAX_ID,
        tax=b.tax("shanghai_garden"),
        description="'Shanghai' in the name of an Australian company owned by Australian residents.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "formosa_aws", AWS, "taiwan_cn_tw_code", ALLOW, "Formosa Precision Instruments Co., Ltd.", "TW", "formosa",
        V.EXACT, L.TAX_ID, tax=b.tax("formosa"), leading_zeros=True,
        description="Taiwanese company whose register jurisdiction is the ISO 3166-2 code CN-TW: that is TW, "
        "not CN.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "hsinchu_gcp", GCP, "taiwan_tw_code", ALLOW, "Hsinchu Photonics Corporation", "TW", "hsinchu_photonics",
        V.EXACT, L.TAX_ID, tax=b.tax("hsinchu_photonics"),
        description="Taiwanese company (jurisdiction TW), 65% owned by another Taiwanese company.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "victoria_aws", AWS, "hong_kong_no_mainland_owner", ALLOW, "Victoria Harbour Trading Limited", "HK",
        "victoria_harbour", V.EXACT, L.TAX_ID, tax=b.tax("victoria_harbour"),
        description="Hong Kong company (jurisdiction CN-HK) owned by a Hong Kong resident: HK is not restricted "
        "by this policy.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "kowloon_gcp", GCP, "hong_kong_no_mainland_owner", ALLOW, "Kowloon Bay Capital Ltd", "HK", "kowloon_bay",
        V.SUFFIX_VARIANT, L.NAME,
        description="Hong Kong company (jurisdiction HK) 75% owned by another Hong Kong company.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "cotai_aws", AWS, "macau_company", ALLOW, "Cotai Leisure Technology Limited", "MO", "cotai", V.EXACT,
        L.NAME,
        description="Macao company (jurisdiction CN-MO): MO, not CN.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "jade_summit_gcp", GCP, "bvi_hq_hong_kong", ALLOW, "Jade Summit Investments Ltd", "VG", "jade_summit",
        V.EXACT, L.COMPANY_NUMBER, company_number=b.company_number("jade_summit"),
        description="Incorporated in the British Virgin Islands, headquartered in Hong Kong: neither is CN.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "lotus_peak_gcp", GCP, "hq_in_cn_incorporated_ky", REVOKE, "Lotus Peak Holdings Ltd.", "KY", "lotus_peak",
        V.EXACT, L.LEI, lei=b.lei("lotus_peak"),
        description="Incorporated in the Cayman Islands, headquartered (business address) in Beijing: a "
        "restricted root by headquarters.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "lotus_peak_ai_aws", AWS, "us_subsidiary_of_cn_hq_parent", REVOKE, "Lotus Peak AI", "US", "lotus_peak_ai",
        V.MISSING_SUFFIX, L.NAME,
        description="Delaware subsidiary (US-DE) of the Cayman company headquartered in China; a US account, so "
        "no tax number: linked by name without its legal form.",
    ))  # fmt: skip


def _time(b: _Builder) -> None:
    b.org("dongfang", "Dongfang Xinyuan Capital Management Co., Ltd.", "CN", "CN-BJ", region="110108",
          alt=("东方鑫源资本管理有限公司",))  # fmt: skip
    b.org("fjord", "Fjord Analytics AS", "NO")
    b.person("fjord_owner", "Lars", "Johansen", "NO", nationalities=("NO",), birth="1977-11")
    b.history("dongfang", "fjord",
              Version(b.years_ago(4), (shares(80, start=b.years_ago(4)),)),
              Version(b.ago(200), (shares(80, start=b.years_ago(4), end=b.ago(200)),), status="closed"))  # fmt: skip
    b.owns("fjord_owner", "fjord", shares(100, start=b.ago(200)), on=b.ago(200))
    b.org("alpine_vision", "Alpine Vision GmbH", "AT")
    b.person("alpine_owner", "Paul", "Hoffmann", "AT", nationalities=("AT",), birth="1971-06")
    b.owns("dongfang", "alpine_vision", shares(75, start=b.years_ago(5), end=b.ago(45)), on=b.ago(45))
    b.owns("alpine_owner", "alpine_vision", shares(100, start=b.ago(45)), on=b.ago(45))
    b.org("cedar_point", "Cedar Point Analytics LLC", "US", "US-DE")
    b.person("cedar_owner", "Emma", "Hall", "US", nationalities=("US",), birth="1987-03")
    b.owns("cedar_owner", "cedar_point", shares(100))
    b.owns("dongfang", "cedar_point", shares(65, start=b.date + dt.timedelta(days=30)), on=b.ago(10))
    b.org("cobalt_bay", "Cobalt Bay Energy Pty Ltd", "AU")
    b.person("cobalt_owner", "Noah", "Brown", "AU", nationalities=("AU",), birth="1975-02")
    b.history("ruixiang", "cobalt_bay",
              Version(b.ago(400), (shares(30, start=b.ago(400)),)),
              Version(b.ago(60), (shares(65, start=b.ago(60)),), status="updated"))  # fmt: skip
    b.history("cobalt_owner", "cobalt_bay",
              Version(b.ago(400), (shares(70, start=b.ago(400)),)),
              Version(b.ago(60), (shares(35, start=b.ago(60)),), status="updated"))  # fmt: skip
    b.org("riverbend", "Riverbend Foods Inc.", "CA", "CA-ON")
    b.person("riverbend_owner", "Amelia", "Wilson", "CA", nationalities=("CA",), birth="1980-08")
    b.history("kaisheng", "riverbend",
              Version(b.ago(500), (shares(70, start=b.ago(500)),)),
              Version(b.ago(90), (shares(20, start=b.ago(90)),), status="updated"))  # fmt: skip
    b.history("riverbend_owner", "riverbend",
              Version(b.ago(500), (shares(30, start=b.ago(500)),)),
              Version(b.ago(90), (shares(80, start=b.ago(90)),), status="updated"))  # fmt: skip

    b.tenant(ScenarioTenant(
        "fjord_aws", AWS, "closed_relationship", ALLOW, "Fjord Analytics AS", "NO", "fjord", V.EXACT, L.TAX_ID,
        tax=b.tax("fjord"),
        description="Was 80% owned by a Chinese company; the relationship record was closed 200 days ago "
        "(recordStatus closed) and a Norwegian resident owns it now.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "alpine_gcp", GCP, "interest_ended", ALLOW, "Alpine Vision GmbH", "AT", "alpine_vision", V.EXACT,
        L.TAX_ID, tax=b.tax("alpine_vision"),
        description="A Chinese company's 75% interest has an endDate 45 days before the logical date.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "cedar_aws", AWS, "interest_starts_after_date", ALLOW, "Cedar Point Analytics LLC", "US", "cedar_point",
        V.EXACT, L.NAME,
        description="An announced 65% acquisition by a Chinese company whose startDate is 30 days after the "
        "logical date: not active yet.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "cobalt_gcp", GCP, "stake_increased_by_update", REVOKE, "Cobalt Bay Energy Pty Ltd", "AU", "cobalt_bay",
        V.EXACT, L.TAX_ID, tax=b.tax("cobalt_bay"),
        description="A Chinese company's 30% stake was updated to 65% by a later statement of the same record "
        "(the latest statement wins).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "riverbend_aws", AWS, "stake_decreased_by_update", ALLOW, "Riverbend Foods Inc.", "CA", "riverbend",
        V.EXACT, L.TAX_ID, tax=b.tax("riverbend"),
        description="A Chinese company's 70% stake was updated down to 20% by a later statement.",
    ))  # fmt: skip


def _account_relations(b: _Builder) -> None:
    b.org("blue_summit", "Blue Summit Consulting LLC", "US", "US-NY")
    b.person("blue_summit_owner", "Olivia", "Taylor", "US", nationalities=("US",), birth="1983-10")
    b.owns("blue_summit_owner", "blue_summit", shares(100))
    b.org("cloudbridge", "CloudBridge Partners GmbH", "DE", city="Berlin")
    b.person("cloudbridge_owner", "Hannah", "Koch", "DE", nationalities=("DE",), birth="1979-12")
    b.owns("cloudbridge_owner", "cloudbridge", shares(100))
    b.org("northstar", "Northstar Channel Solutions Inc.", "US", "US-DE")
    b.person("northstar_owner", "Henry", "Walker", "US", nationalities=("US",), birth="1972-04")
    b.owns("northstar_owner", "northstar", shares(100))
    b.org("hengtong", "Nanjing Hengtong Software Co., Ltd.", "CN", "CN-JS", region="320106",
          alt=("南京恒通软件有限公司",))  # fmt: skip
    b.org("apex_cloud", "Apex Cloud Holdings Inc.", "US", "US-DE")
    b.person("apex_owner", "James", "Hall", "US", nationalities=("US",), birth="1976-07")
    b.owns("apex_owner", "apex_cloud", shares(100))
    b.org("lingyun", "Shenzhen Lingyun Software Co., Ltd.", "CN", "CN-GD", region="440300",
          alt=("深圳凌云软件有限公司",))  # fmt: skip
    b.org("yunlian", "Shanghai Yunlian Cloud Services Co., Ltd.", "CN", "CN-SH", region="310115",
          alt=("上海云联云服务有限公司",))  # fmt: skip
    b.org("fjordlys", "Fjordlys Analytics AS", "NO")
    b.person("fjordlys_owner", "Ingrid", "Solberg", "NO", nationalities=("NO",), birth="1981-02")
    b.owns("fjordlys_owner", "fjordlys", shares(100))

    b.tenant(ScenarioTenant(
        "blue_summit_aws", AWS, "paid_by_restricted_payer", REVOKE, "Blue Summit Consulting LLC", "US",
        "blue_summit", V.EXACT, L.NAME, payer="huaxin_holdings_aws",
        description="A clear US consultancy whose AWS usage is paid by the restricted Huaxin Holdings payer "
        "account (billing from_account_id / usage payer_account_id): tenants.restricted_payer -> revoke.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "cloudbridge_aws", AWS, "reseller_for_restricted", REVIEW, "CloudBridge Partners GmbH", "DE", "cloudbridge",
        V.EXACT, L.TAX_ID, tax=b.tax("cloudbridge"), is_reseller=True,
        description="A clear German channel partner that proposed an agreement for a restricted Nanjing "
        "customer: tenants.reseller_for_restricted -> review.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "hengtong_aws", AWS, "cn_customer_via_reseller", REVOKE, "Nanjing Hengtong Software Co., Ltd.", "CN",
        "hengtong", V.EXACT, L.TAX_ID, tax=b.tax("hengtong"), reseller="cloudbridge_aws",
        description="A Nanjing company buying through a reseller's private offer (proposer is not our seller "
        "account).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "apex_cloud_aws", AWS, "payer_for_restricted_member", REVIEW, "Apex Cloud Holdings Inc.", "US", "apex_cloud",
        V.EXACT, L.NAME,
        description="A clear US payer account that pays for a restricted Shenzhen member account: it buys for "
        "a restricted customer as a reseller would (tenants.reseller_for_restricted: review).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "lingyun_aws", AWS, "cn_member_account", REVOKE, "Shenzhen Lingyun Software Co., Ltd.", "CN", "lingyun",
        V.EXACT, L.TAX_ID, tax=b.tax("lingyun"), payer="apex_cloud_aws",
        description="A Shenzhen company's AWS member account, paid for by a US payer account.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "northstar_aws", AWS, "reseller_clear_customers", ALLOW, "Northstar Channel Solutions Inc.", "US",
        "northstar", V.EXACT, L.NAME, is_reseller=True, leading_zeros=True,
        description="A US channel partner whose customers are all clear.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "yunlian_aws", AWS, "restricted_reseller", REVOKE, "Shanghai Yunlian Cloud Services Co., Ltd.", "CN",
        "yunlian", V.EXACT, L.TAX_ID, tax=b.tax("yunlian"), is_reseller=True,
        description="A Shanghai channel partner: restricted itself, and it proposed an agreement for a clear "
        "Norwegian customer.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "fjordlys_aws", AWS, "customer_of_restricted_reseller", REVIEW, "Fjordlys Analytics AS", "NO", "fjordlys",
        V.EXACT, L.NAME, reseller="yunlian_aws",
        description="A clear Norwegian company buying through the restricted Shanghai reseller's private offer: "
        "its access runs through a restricted party (tenants.restricted_reseller -> review).",
    ))  # fmt: skip


def _unregistered(b: _Builder) -> None:
    b.tenant(ScenarioTenant(
        "huaxin_us_gcp", GCP, "decoy_unregistered_same_name", ALLOW, "Huaxin Technology Inc.", "US", None,
        V.DECOY_OTHER_COUNTRY, L.NONE,
        description="A US company not in the register, named like the restricted Shenzhen and Singapore Huaxin "
        "companies: no link across countries, unmatched and allowed.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "bluewave_gcp", GCP, "unmatched_cn_company_country", REVOKE, "Xiamen Bluewave Network Studio", "CN", None,
        V.UNREGISTERED, L.NONE,
        description="Not in the register; its GCP sign-up country, the marketplace's company-country field, is "
        "CN: a company located there is not served (tenants.basis_actions.company_country: revoke).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "sky_harbor_aws", AWS, "unmatched_mailing_address_cn", REVIEW, "Sky Harbor Creative Limited", "CN", None,
        V.UNREGISTERED, L.NONE, tax_country="HK", tax="52148871",
        description="Not in the register; AWS mailing address in Shenzhen, tax address in Hong Kong: only the "
        "mailing address is in CN (basis_actions.address: review; the tax address would revoke).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "lantern_bay_aws", AWS, "unmatched_tax_address_cn", REVOKE, "Lantern Bay Studio Pte. Ltd.", "SG", None,
        V.UNREGISTERED, L.NONE, tax_country="CN", tax=ids.uscc(999, "440300"),
        description="Not in the register; mailing address in Singapore but tax address in mainland China.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "prairie_sky_aws", AWS, "unmatched_clear", ALLOW, "Prairie Sky Labs LLC", "US", None, V.UNREGISTERED,
        L.NONE, description="Not in the register, US addresses: allowed and counted as unmatched.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "harbour_light_aws", AWS, "account_moved_to_cn", REVOKE, "Harbour Light Studio Pte. Ltd.", "CN", None,
        V.UNREGISTERED, L.NONE, history=AccountHistory(moved_from="SG", moved_days_ago=25),
        description="Not in the register; the account's first row had Singapore addresses, a newer valid_from "
        "row points at addresses in Shenzhen.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "red_lantern_aws", AWS, "account_moved_from_cn", ALLOW, "Red Lantern Digital Pte. Ltd.", "SG", None,
        V.UNREGISTERED, L.NONE, history=AccountHistory(moved_from="CN", moved_days_ago=40),
        description="Not in the register; moved its mailing and tax addresses from Shanghai to Singapore (newer "
        "valid_from row): judged on the current addresses.",
    ))  # fmt: skip
    b.cat.deleted.append(DeletedAccount("deleted_test_aws", "Shenzhen Test Account 01", "CN", 33))


def _azure(b: _Builder) -> None:
    """Azure Marketplace: tenants are Microsoft Entra tenants; a Cloud Solution Provider buying a SaaS
    subscription for a customer is the purchaser, the customer the beneficiary."""
    b.org("lakeside", "Lakeside Media Ltd", "GB")
    b.person("lakeside_owner", "Emma", "Clarke", "GB", nationalities=("GB",), birth="1984-03")
    b.owns("lakeside_owner", "lakeside", shares(100))
    b.tenant(ScenarioTenant(
        "yunlian_azure", AZURE, "azure_cn_csp", REVOKE, "Shanghai Yunlian Cloud Services Co., Ltd.", "CN",
        "yunlian", V.EXACT, L.NAME, is_reseller=True,
        description="A Shanghai Cloud Solution Provider: its own customer record says China, so it is revoked "
        "whatever its link, and the subscriptions it bought for its customers end with it.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "fjordlys_azure", AZURE, "azure_clear_customer_of_cn_csp", REVIEW, "Fjordlys Analytics AS", "NO",
        "fjordlys", V.EXACT, L.NAME, reseller="yunlian_azure",
        description="A clear Norwegian company whose only subscription the Shanghai CSP bought: its access "
        "runs through a restricted party (tenants.restricted_reseller -> review).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "cloudbridge_azure", AZURE, "azure_clear_csp_for_cn_owned_customer", REVIEW, "CloudBridge Partners GmbH",
        "DE", "cloudbridge", V.EXACT, L.NONE, is_reseller=True, purchaser_only=True,
        description="A clear German CSP, known to the marketplace only as the provider of its customers' "
        "purchases (a name, no country: no link), buying for a Singapore company owned from China "
        "(tenants.reseller_for_restricted -> review).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "huaxin_sg_azure", AZURE, "azure_cn_owned_customer_of_clear_csp", REVOKE,
        "Huaxin Technology (Singapore) Pte. Ltd.", "SG", "huaxin_sg", V.EXACT, L.NAME, reseller="cloudbridge_azure",
        description="A Singapore company majority-owned from China, bought for by a clear German CSP: revoked on "
        "its ownership.",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "lakeside_azure", AZURE, "azure_entra_tenant_two_subscriptions", REVIEW, "Lakeside Media Ltd", "GB",
        "lakeside", V.EXACT, L.NAME, reseller="yunlian_azure", also_direct=True,
        description="One Entra tenant with two subscriptions: one it bought itself, one the Shanghai CSP bought "
        "for it. The CSP's purchase ends with the CSP (listed under it); the tenant keeps its own and is "
        "reviewed (tenants.restricted_reseller).",
    ))  # fmt: skip
    b.tenant(ScenarioTenant(
        "prairie_azure", AZURE, "azure_unregistered_clear", ALLOW, "Prairie Labs Inc.", "US", None,
        V.UNREGISTERED, L.NONE,
        description="Not in the register; its customer record says United States: allowed and counted as unmatched.",
    ))  # fmt: skip


# The designation list of the demo policy's `roots.designated` (the US Department of Defense's section
# 1260H list of Chinese military companies, as OpenSanctions names its dataset).
DOD_1260H = "us_dod_chinese_milcorp"


def _other_sources(b: _Builder) -> None:
    """What only GLEIF or OpenSanctions know: a consolidation parent, a designation and the stake it holds,
    and a register that disagrees with GLEIF on a jurisdiction."""
    # A Chinese parent known only through GLEIF: it consolidates a Dutch company the register lists alone.
    b.org("kestrel_group", "Shenzhen Kestrel Photonics Group Co., Ltd.", "CN", "CN-GD", region="440300",
          alt=("深圳红隼光电集团有限公司",), lei=True, city="Shenzhen", in_register=False)  # fmt: skip
    b.org("kestrel_nl", "Kestrel Optics Europe B.V.", "NL", lei=True, city="Eindhoven")
    b.cat.gleif += [GleifRecord("kestrel_group"), GleifRecord("kestrel_nl")]
    b.cat.consolidations.append(Consolidation("kestrel_nl", "kestrel_group", since=b.years_ago(4)))
    b.tenant(ScenarioTenant(
        "kestrel_nl_aws", AWS, "gleif_consolidated_by_cn", REVOKE, "Kestrel Optics Europe B.V.", "NL", "kestrel_nl",
        V.EXACT, L.TAX_ID, tax=b.tax("kestrel_nl"),
        description="A Dutch company the register lists without owners; GLEIF says a Shenzhen group, in no "
        "register here, consolidates it (accounting consolidation is control: control.consolidation).",
    ))  # fmt: skip

    # A Hong Kong company on the 1260H list (OpenSanctions), holding 60% of a Singapore company; the
    # register declares only the other 40%.
    b.org("tianjun", "Tianjun Aerospace Systems Limited", "HK", in_register=False)
    b.org("tianjun_sg", "Tianjun Avionics (Singapore) Pte. Ltd.", "SG", lei=True)
    b.person("tianjun_sg_partner", "Wei Ling", "Tan", "SG", nationalities=("SG",), birth="1977-04")
    b.owns("tianjun_sg_partner", "tianjun_sg", shares(40))
    b.cat.designations.update({"tianjun": (DOD_1260H,), "tianjun_sg": ()})
    b.cat.sanctions_ownership.append(SanctionsOwnership("tianjun", "tianjun_sg", 60, since=b.years_ago(3)))
    b.tenant(ScenarioTenant(
        "tianjun_sg_gcp", GCP, "designated_parent_60pct_sg", REVOKE, "Tianjun Avionics (Singapore) Pte. Ltd.", "SG",
        "tianjun_sg", V.EXACT, L.TAX_ID, tax=b.tax("tianjun_sg"),
        description="A Singapore company 60% owned (OpenSanctions) by a Hong Kong company on the US 1260H list: "
        "a designated root restricts its majority-owned subsidiaries whatever their jurisdiction.",
    ))  # fmt: skip

    # The register says Singapore; GLEIF says the same company's legal jurisdiction is China.
    b.org("lumen_bay", "Lumen Bay Trading Pte. Ltd.", "SG", lei=True)
    b.person("lumen_bay_owner", "Arjun", "Nair", "SG", nationalities=("SG",), birth="1981-10")
    b.owns("lumen_bay_owner", "lumen_bay", shares(100))
    b.cat.gleif.append(GleifRecord("lumen_bay", jurisdiction="CN"))
    b.tenant(ScenarioTenant(
        "lumen_bay_aws", AWS, "jurisdiction_conflict_register_gleif", REVIEW, "Lumen Bay Trading Pte. Ltd.", "SG",
        "lumen_bay", V.EXACT, L.TAX_ID, tax=b.tax("lumen_bay"),
        description="The register incorporates it in Singapore, GLEIF in China: sources that disagree on whether "
        "it is a restricted root are a finding, and a person decides (review).",
    ))  # fmt: skip
