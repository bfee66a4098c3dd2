"""Word lists the demo world builds company names, people and addresses from.

Invariant: every table here is a constant tuple (ordered, immutable), so that a generator indexing into
them with a seeded random stream produces the same names on every machine and Python version. Entries
that carry several scripts or romanisations keep them side by side in one tuple, so a name and all its
legitimate spellings are generated from the same draw.

All names are invented; any resemblance to a real company is accidental.
"""

from __future__ import annotations

# Chinese syllables: (pinyin, hanzi, Wade-Giles, Cantonese). Two of them make a company's brand word
# ("Huaxin" / 华信 / "Hua-hsin" / "Wah Sun"). Pinyin values are unique, so a brand word has one
# pinyin spelling and one of each other romanisation.
CN_SYLLABLES: tuple[tuple[str, str, str, str], ...] = (
    ("hua", "华", "hua", "wah"),
    ("xin", "信", "hsin", "sun"),
    ("zhong", "中", "chung", "chung"),
    ("ke", "科", "k'o", "fo"),
    ("tian", "天", "t'ien", "tin"),
    ("rui", "瑞", "jui", "sui"),
    ("jin", "金", "chin", "kam"),
    ("long", "龙", "lung", "lung"),
    ("hai", "海", "hai", "hoi"),
    ("yang", "洋", "yang", "yeung"),
    ("xing", "星", "hsing", "sing"),
    ("he", "河", "ho", "ho"),
    ("chang", "长", "ch'ang", "cheung"),
    ("jiang", "江", "chiang", "kong"),
    ("hong", "宏", "hung", "wang"),
    ("da", "达", "ta", "tat"),
    ("yong", "永", "yung", "wing"),
    ("feng", "丰", "feng", "fung"),
    ("xiang", "祥", "hsiang", "cheung"),
    ("jia", "嘉", "chia", "ka"),
    ("dong", "东", "tung", "tung"),
    ("fang", "方", "fang", "fong"),
    ("yu", "宇", "yü", "yu"),
    ("heng", "恒", "heng", "hang"),
    ("tong", "通", "t'ung", "tung"),
    ("yuan", "源", "yüan", "yuen"),
    ("bo", "博", "po", "pok"),
    ("kai", "凯", "k'ai", "hoi"),
    ("sheng", "晟", "sheng", "shing"),
    ("yun", "云", "yün", "wan"),
    ("fan", "帆", "fan", "fan"),
    ("zhi", "智", "chih", "chi"),
    ("lian", "联", "lien", "luen"),
    ("de", "德", "te", "tak"),
    ("run", "润", "jun", "yun"),
    ("guang", "光", "kuang", "kwong"),
    ("ming", "明", "ming", "ming"),
    ("hui", "汇", "hui", "wui"),
    ("an", "安", "an", "on"),
    ("kang", "康", "k'ang", "hong"),
    ("tai", "泰", "t'ai", "tai"),
    ("shun", "顺", "shun", "shun"),
    ("cheng", "诚", "ch'eng", "shing"),
    ("wei", "威", "wei", "wai"),
    ("hao", "浩", "hao", "ho"),
    ("qi", "启", "ch'i", "kai"),
    ("ze", "泽", "tse", "chak"),
    ("sen", "森", "sen", "sum"),
    ("lin", "林", "lin", "lam"),
    ("bao", "宝", "pao", "po"),
    ("mei", "美", "mei", "mei"),
    ("peng", "鹏", "p'eng", "pang"),
    ("chen", "辰", "ch'en", "san"),
    ("xu", "旭", "hsü", "yuk"),
    ("ning", "宁", "ning", "ning"),
    ("shan", "山", "shan", "shan"),
)

# Mainland cities: (pinyin, hanzi, Wade-Giles / postal, ISO 3166-2 subdivision, USCC region code).
CN_CITIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Shenzhen", "深圳", "Shen-chen", "CN-GD", "440300"),
    ("Guangzhou", "广州", "Canton", "CN-GD", "440100"),
    ("Beijing", "北京", "Peking", "CN-BJ", "110108"),
    ("Shanghai", "上海", "Shang-hai", "CN-SH", "310115"),
    ("Hangzhou", "杭州", "Hang-chou", "CN-ZJ", "330106"),
    ("Chengdu", "成都", "Ch'eng-tu", "CN-SC", "510107"),
    ("Nanjing", "南京", "Nanking", "CN-JS", "320106"),
    ("Suzhou", "苏州", "Soochow", "CN-JS", "320505"),
    ("Wuhan", "武汉", "Wu-han", "CN-HB", "420111"),
    ("Tianjin", "天津", "Tientsin", "CN-TJ", "120116"),
    ("Xiamen", "厦门", "Amoy", "CN-FJ", "350203"),
    ("Ningbo", "宁波", "Ning-po", "CN-ZJ", "330212"),
)

# Industry words of Chinese company names: (English, hanzi, abbreviation used by customers).
CN_INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("Technology", "科技", "Tech"),
    ("Information Technology", "信息技术", "IT"),
    ("Electronics", "电子", "Elec"),
    ("Network Technology", "网络科技", "Network Tech"),
    ("Data Technology", "数据科技", "Data Tech"),
    ("Intelligent Technology", "智能科技", "Intelligent Tech"),
    ("Logistics", "物流", "Logistics"),
    ("Trading", "贸易", "Trading"),
    ("Software", "软件", "Software"),
    ("Biotechnology", "生物科技", "Biotech"),
    ("New Energy", "新能源", "New Energy"),
    ("Semiconductor", "半导体", "Semi"),
    ("Precision Machinery", "精密机械", "Precision Mach"),
    ("Optoelectronics", "光电", "Opto"),
    ("Cloud Computing", "云计算", "Cloud"),
)

# Brand-word syllables for Latin-script names: a start and an ending make "Velora", "Corvex", ...
LATIN_STARTS: tuple[str, ...] = (
    "Ver", "Lum", "Nov", "Cor", "Ast", "Bel", "Cal", "Dar", "El", "Fal",
    "Gal", "Hel", "Ir", "Jun", "Kel", "Lor", "Mar", "Nor", "Or", "Pel",
    "Quin", "Ros", "Sol", "Tal", "Ul", "Val", "Wes", "Xan", "Yor", "Zen",
    "Bram", "Cres", "Dov", "Fen", "Gran", "Hal", "Kest", "Lind", "Mor", "Pyr",
)  # fmt: skip
LATIN_ENDS: tuple[str, ...] = (
    "ia", "ex", "on", "ara", "ix", "ora", "ent", "is", "ant", "ova",
    "ure", "eon", "ica", "ium", "ar", "en", "os", "yx", "ani", "eda",
    "wick", "ton", "field", "mere", "dale",
)  # fmt: skip
# An optional second word of a Latin-script name ("Velora Bay Analytics").
LATIN_SECOND: tuple[str, ...] = (
    "Bay", "Ridge", "Peak", "Bridge", "Stone", "Field", "Point", "Wave", "Light", "Gate",
    "Harbor", "River", "North", "Blue", "Green", "Silver", "Summit", "Oak", "Pine", "Crest",
)  # fmt: skip

# Industry words per language: (word, abbreviation customers write, or "" when there is none).
INDUSTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Analytics", ""), ("Logistics", ""), ("Software", ""), ("Systems", "Sys"), ("Consulting", ""),
        ("Health", ""), ("Energy", ""), ("Foods", ""), ("Media", ""), ("Capital", ""),
        ("Robotics", ""), ("Labs", ""), ("Networks", ""), ("Data", ""), ("Solutions", ""),
        ("Manufacturing", "Mfg"), ("Retail", ""), ("Engineering", "Eng"), ("Biotech", ""), ("Games", ""),
        ("Technologies", "Tech"), ("International", "Intl"), ("Holdings", ""), ("Partners", ""),
        ("Insurance", ""), ("Pharmaceuticals", "Pharma"), ("Aerospace", ""), ("Telecom", ""),
    ),
    "de": (
        ("Maschinenbau", ""), ("Präzisionstechnik", ""), ("Logistik", ""), ("Software", ""),
        ("Datentechnik", ""), ("Energie", ""), ("Medizintechnik", ""), ("Automation", ""),
        ("Antriebstechnik", ""), ("Verpackung", ""), ("Handel", ""), ("Beratung", ""),
        ("Systemtechnik", ""), ("Elektronik", ""), ("Werkzeugbau", ""), ("Informatik", ""),
    ),
    "fr": (
        ("Conseil", ""), ("Logiciels", ""), ("Énergie", ""), ("Transports", ""), ("Données", ""),
        ("Santé", ""), ("Ingénierie", ""), ("Systèmes", ""), ("Télécom", ""), ("Industrie", ""),
        ("Aéronautique", ""), ("Distribution", ""),
    ),
    "es": (
        ("Tecnología", "Tec"), ("Logística", ""), ("Consultores", ""), ("Soluciones", ""),
        ("Energía", ""), ("Alimentos", ""), ("Sistemas", ""), ("Ingeniería", ""), ("Comercial", ""),
    ),
    "it": (
        ("Tecnologie", ""), ("Logistica", ""), ("Consulenza", ""), ("Soluzioni", ""), ("Energia", ""),
        ("Sistemi", ""), ("Meccanica", ""), ("Alimentari", ""),
    ),
    "pt": (
        ("Tecnologia", ""), ("Logística", ""), ("Consultoria", ""), ("Soluções", ""), ("Energia", ""),
        ("Sistemas", ""), ("Alimentos", ""), ("Engenharia", ""),
    ),
    "nl": (
        ("Techniek", ""), ("Logistiek", ""), ("Software", ""), ("Advies", ""), ("Energie", ""),
        ("Systemen", ""), ("Robotics", ""), ("Handel", ""),
    ),
    "sv": (
        ("Teknik", ""), ("Logistik", ""), ("Mjukvara", ""), ("Konsult", ""), ("Energi", ""),
        ("System", ""), ("Data", ""), ("Industri", ""),
    ),
    "pl": (
        ("Technologie", ""), ("Logistyka", ""), ("Oprogramowanie", ""), ("Doradztwo", ""),
        ("Energia", ""), ("Systemy", ""), ("Handel", ""),
    ),
}  # fmt: skip

# First words with diacritics, so that folded spellings (Müller -> Mueller) are a real variant.
DIACRITIC_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("Müller", "Schäfer", "Grün", "Bär", "Löwen", "Fröhlich", "Köhler", "Jäger", "Krüger",
           "Schröder", "Weiß", "Groß", "Höhen", "Südwerk", "Nordstern", "Rhein", "Alpen", "Falken"),
    "fr": ("Étoile", "Lumière", "Clairière", "Océane", "Sérénité", "Bastide", "Mistral", "Forêt"),
    "es": ("Peñalba", "Río Claro", "Cumbre", "Vértice", "Estrella", "Aurora"),
    "pt": ("São Bento", "Conceição", "Aurora", "Estrela", "Horizonte"),
    "sv": ("Ström", "Björk", "Fjäll", "Älv", "Sjö", "Norr"),
    "pl": ("Łąka", "Wisła", "Żuraw", "Góra", "Słoneczna"),
}  # fmt: skip

# Japanese brand words: (Hepburn with macrons, plain ASCII, wāpuro spelling).
JP_PARTS_A: tuple[tuple[str, str, str], ...] = (
    ("Tō", "To", "Tou"), ("Kai", "Kai", "Kai"), ("Nichi", "Nichi", "Nichi"), ("Dai", "Dai", "Dai"),
    ("Hoku", "Hoku", "Hoku"), ("Kō", "Ko", "Kou"), ("Shin", "Shin", "Shin"), ("Yama", "Yama", "Yama"),
    ("Fuji", "Fuji", "Fuji"), ("Sa", "Sa", "Sa"), ("Chū", "Chu", "Chuu"), ("Hō", "Ho", "Hou"),
)  # fmt: skip
JP_PARTS_B: tuple[tuple[str, str, str], ...] = (
    ("yō", "yo", "you"), ("tō", "to", "tou"), ("wa", "wa", "wa"), ("ei", "ei", "ei"), ("sei", "sei", "sei"),
    ("ryū", "ryu", "ryuu"), ("kō", "ko", "kou"), ("gawa", "gawa", "gawa"), ("moto", "moto", "moto"),
    ("nan", "nan", "nan"), ("shō", "sho", "shou"), ("bu", "bu", "bu"),
)  # fmt: skip
JP_INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("Seimitsu", "Seimitsu", "Seimitsu"), ("Shōji", "Shoji", "Shouji"), ("Denki", "Denki", "Denki"),
    ("Kōgyō", "Kogyo", "Kougyou"), ("Tsūshin", "Tsushin", "Tsuushin"), ("Seiki", "Seiki", "Seiki"),
    ("Kagaku", "Kagaku", "Kagaku"), ("Sangyō", "Sangyo", "Sangyou"), ("Software", "Software", "Software"),
    ("Systems", "Systems", "Systems"),
)  # fmt: skip

# Korean brand syllables: (Revised Romanisation, McCune-Reischauer without breves).
KR_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("han", "han"), ("bit", "pit"), ("dae", "tae"), ("seong", "song"), ("sam", "sam"), ("il", "il"),
    ("mi", "mi"), ("rae", "rae"), ("sae", "sae"), ("bom", "pom"), ("jin", "chin"), ("gwang", "kwang"),
    ("dong", "tong"), ("gyeong", "kyong"), ("won", "won"), ("tae", "t'ae"), ("hyeon", "hyon"),
    ("jeong", "chong"), ("yeong", "yong"), ("bu", "pu"),
)  # fmt: skip
KR_INDUSTRIES: tuple[str, ...] = ("Tech", "Electronics", "Logistics", "Semicon", "Bio", "Systems", "Networks")

# Russian brand words: (Cyrillic, primary romanisation, alternative romanisation).
RU_PARTS_A: tuple[tuple[str, str, str], ...] = (
    ("Рос", "Ros", "Ros"), ("Сиб", "Sib", "Sib"), ("Урал", "Ural", "Ural"), ("Волж", "Volzh", "Volj"),
    ("Дон", "Don", "Don"), ("Нев", "Nev", "Nev"), ("Балт", "Balt", "Balt"), ("Сев", "Sev", "Sev"),
    ("Даль", "Dal", "Dal'"), ("Кам", "Kam", "Kam"), ("Енис", "Yenis", "Enis"), ("Тай", "Tay", "Tai"),
)  # fmt: skip
RU_PARTS_B: tuple[tuple[str, str, str], ...] = (
    ("тех", "tekh", "tech"), ("софт", "soft", "soft"), ("ком", "kom", "com"), ("пром", "prom", "prom"),
    ("инвест", "invest", "invest"), ("строй", "stroy", "stroi"), ("транс", "trans", "trans"),
    ("энерго", "energo", "energo"), ("связь", "svyaz", "sviaz'"), ("логистик", "logistik", "logistik"),
    ("дата", "data", "data"), ("сервис", "servis", "service"),
)  # fmt: skip

# Greek brand words and industry words: (Greek, ELOT romanisation, alternative).
GR_CORES: tuple[tuple[str, str, str], ...] = (
    ("Αιγαίο", "Aigaio", "Aegeo"), ("Όλυμπος", "Olympos", "Olimpos"), ("Ερμής", "Ermis", "Ermes"),
    ("Αθηνά", "Athina", "Athena"), ("Ήλιος", "Ilios", "Helios"), ("Κρήτη", "Kriti", "Criti"),
    ("Δήλος", "Dilos", "Delos"), ("Πήγασος", "Pigasos", "Pegasus"), ("Ίκαρος", "Ikaros", "Icarus"),
    ("Θάλασσα", "Thalassa", "Thalasa"), ("Ορίζων", "Orizon", "Horizon"), ("Αστήρ", "Astir", "Aster"),
)  # fmt: skip
GR_INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("Ναυτιλιακή", "Naftiliaki", "Nautiliaki"), ("Τεχνολογίες", "Technologies", "Tehnologies"),
    ("Εμπορική", "Emporiki", "Emporiki"), ("Λογισμικό", "Logismiko", "Logismiko"),
    ("Ενεργειακή", "Energeiaki", "Energiaki"), ("Κατασκευαστική", "Kataskevastiki", "Kataskevastiki"),
)  # fmt: skip

# Indian brand words.
IN_CORES: tuple[str, ...] = (
    "Infinity", "Sunrise", "Vishal", "Ganga", "Lakshmi", "Shakti", "Arya", "Nirmal", "Sapphire",
    "Vedant", "Akash", "Prakash", "Suvarna", "Tejas", "Anant", "Kaveri", "Navya", "Pragati",
)  # fmt: skip

# Legal-form suffixes per country: (suffix, the other spelling customers use for it).
SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "US": (("Inc.", "Incorporated"), ("LLC", "L.L.C."), ("Corp.", "Corporation")),
    "GB": (("Ltd", "Limited"), ("Limited", "Ltd."), ("PLC", "Public Limited Company")),
    "IE": (("Limited", "Ltd"), ("DAC", "Designated Activity Company")),
    "DE": (("GmbH", "G.m.b.H."), ("AG", "Aktiengesellschaft"), ("GmbH & Co. KG", "GmbH & Co KG")),
    "AT": (("GmbH", "Ges.m.b.H."), ("AG", "Aktiengesellschaft")),
    "CH": (("AG", "A.G."), ("SA", "S.A."), ("GmbH", "G.m.b.H.")),
    "FR": (("SAS", "S.A.S."), ("SA", "S.A."), ("SARL", "S.A.R.L.")),
    "NL": (("B.V.", "BV"), ("N.V.", "NV")),
    "SE": (("AB", "Aktiebolag"),),
    "ES": (("S.L.", "SL"), ("S.A.", "SA")),
    "IT": (("S.r.l.", "SRL"), ("S.p.A.", "SPA")),
    "PL": (("Sp. z o.o.", "Sp. z o. o."), ("S.A.", "SA")),
    "BR": (("Ltda.", "Limitada"), ("S.A.", "SA")),
    "MX": (("S.A. de C.V.", "SA de CV"),),
    "JP": (("Co., Ltd.", "Kabushiki Kaisha"), ("K.K.", "KK"), ("Corporation", "Corp.")),
    "KR": (("Co., Ltd.", "Company Limited"), ("Corporation", "Corp.")),
    "IN": (("Private Limited", "Pvt. Ltd."), ("Limited", "Ltd.")),
    "SG": (("Pte. Ltd.", "Private Limited"), ("Pte Ltd", "Pte. Ltd.")),
    "AU": (("Pty Ltd", "Proprietary Limited"), ("Limited", "Ltd")),
    "NZ": (("Limited", "Ltd"),),
    "CA": (("Inc.", "Incorporated"), ("Ltd.", "Limited"), ("Corp.", "Corporation")),
    "IL": (("Ltd.", "Limited"),),
    "AE": (("LLC", "L.L.C."), ("FZE", "F.Z.E."), ("FZ-LLC", "FZ LLC")),
    "RU": (("ООО", "OOO"), ("АО", "AO")),
    "GR": (("Α.Ε.", "S.A."),),
    "TW": (("Co., Ltd.", "Company Limited"), ("Corporation", "Corp.")),
    "HK": (("Limited", "Ltd"), ("Company Limited", "Co Ltd")),
    "CN": (("Co., Ltd.", "Company Limited"), ("Group Co., Ltd.", "Group Company Limited")),
}

# Cities per country, used in addresses and to disambiguate names that would otherwise repeat.
CITIES: dict[str, tuple[str, ...]] = {
    "US": ("New York", "San Francisco", "Austin", "Seattle", "Chicago", "Boston", "Denver", "Atlanta"),
    "GB": ("London", "Manchester", "Bristol", "Edinburgh", "Leeds", "Cambridge"),
    "IE": ("Dublin", "Cork", "Galway"),
    "DE": ("Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart"),
    "AT": ("Wien", "Graz", "Linz"),
    "CH": ("Zürich", "Genève", "Basel", "Zug"),
    "FR": ("Paris", "Lyon", "Toulouse", "Nantes", "Lille"),
    "NL": ("Amsterdam", "Rotterdam", "Eindhoven", "Utrecht"),
    "SE": ("Stockholm", "Göteborg", "Malmö"),
    "ES": ("Madrid", "Barcelona", "Valencia", "Sevilla"),
    "IT": ("Milano", "Roma", "Torino", "Bologna"),
    "PL": ("Warszawa", "Kraków", "Wrocław"),
    "BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"),
    "MX": ("Ciudad de México", "Monterrey", "Guadalajara"),
    "JP": ("Tokyo", "Osaka", "Nagoya", "Fukuoka", "Yokohama"),
    "KR": ("Seoul", "Busan", "Incheon", "Daejeon"),
    "IN": ("Bengaluru", "Mumbai", "Pune", "Hyderabad", "Chennai", "Gurugram"),
    "SG": ("Singapore",),
    "AU": ("Sydney", "Melbourne", "Brisbane", "Perth"),
    "NZ": ("Auckland", "Wellington", "Christchurch"),
    "CA": ("Toronto", "Vancouver", "Montréal", "Calgary", "Ottawa"),
    "IL": ("Tel Aviv", "Haifa", "Jerusalem"),
    "AE": ("Dubai", "Abu Dhabi"),
    "RU": ("Москва", "Санкт-Петербург", "Новосибирск"),
    "GR": ("Αθήνα", "Θεσσαλονίκη", "Πειραιάς"),
    "TW": ("Taipei", "Hsinchu", "Taichung", "Kaohsiung"),
    "HK": ("Hong Kong", "Kowloon"),
    "CN": ("Shenzhen", "Beijing", "Shanghai", "Hangzhou"),
    "KY": ("George Town",),
    "VG": ("Road Town",),
    "NO": ("Oslo", "Bergen"),
    "EE": ("Tallinn",),
    "CL": ("Santiago",),
    "MO": ("Macau",),
}

STREETS: tuple[str, ...] = (
    "Main Street", "Harbour Road", "Station Road", "Park Avenue", "Market Street", "King Street",
    "Industrial Way", "Riverside Drive", "Innovation Park", "Commerce Boulevard",
)  # fmt: skip

# Given and family names for natural persons, per broad region.
PERSON_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("James", "Olivia", "Amelia", "Noah", "Emma", "Liam", "Sophia", "Henry", "Grace", "Jack"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Clarke", "Hall"),
    ),
    "de": (
        ("Lukas", "Anna", "Felix", "Marie", "Jonas", "Lea", "Paul", "Hannah", "Leon", "Sophie"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"),
    ),
    "fr": (
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy"),
    ),
    "es": (
        ("Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Pablo", "Valeria", "Diego"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"),
    ),
    "ja": (
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    "zh": (
        ("Wei", "Fang", "Lei", "Jing", "Min", "Yan", "Jun", "Li", "Hui", "Ping"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"),
    ),
    "ko": (("Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun"), ("Kim", "Lee", "Park", "Choi")),
    "in": (("Aarav", "Ananya", "Vivaan", "Diya", "Arjun", "Isha"), ("Sharma", "Patel", "Iyer", "Reddy", "Gupta")),
}

# The language whose words and names each country's companies and people use.
LANGUAGE: dict[str, str] = {
    "US": "en", "GB": "en", "IE": "en", "AU": "en", "NZ": "en", "CA": "en", "SG": "en", "IL": "en",
    "AE": "en", "DE": "de", "AT": "de", "CH": "de", "FR": "fr", "ES": "es", "MX": "es", "IT": "it",
    "BR": "pt", "NL": "nl", "SE": "sv", "PL": "pl", "IN": "in", "JP": "ja", "KR": "ko", "RU": "ru",
    "GR": "gr", "TW": "zh", "HK": "zh", "CN": "zh",
}  # fmt: skip

# An optional descriptor before the industry word of English names ("Velora Digital Analytics").
DESCRIPTORS: tuple[str, ...] = (
    "Global", "Digital", "Advanced", "United", "Pacific", "Atlantic", "First", "Prime", "Smart",
    "Applied", "Modern", "Central",
)  # fmt: skip

# Top-level domains companies of each country use for e-mail.
TLD: dict[str, str] = {
    "US": "com", "GB": "co.uk", "IE": "ie", "DE": "de", "AT": "at", "CH": "ch", "FR": "fr", "NL": "nl",
    "SE": "se", "ES": "es", "IT": "it", "PL": "pl", "BR": "com.br", "MX": "com.mx", "JP": "co.jp",
    "KR": "co.kr", "IN": "in", "SG": "com.sg", "AU": "com.au", "NZ": "co.nz", "CA": "ca", "IL": "co.il",
    "AE": "ae", "RU": "ru", "GR": "gr", "TW": "com.tw", "HK": "com.hk", "CN": "cn", "KY": "ky",
    "VG": "vg", "NO": "no", "EE": "ee", "CL": "cl", "MO": "mo",
}  # fmt: skip
