"""Word pools for the demo business: people and companies from four scripts and many countries.

``demo_data_fa`` holds the same names for a Persian business (``crm demo --locale fa``).
"""

from __future__ import annotations

# How often each script's people appear (weights).
SCRIPTS = {"persian": 30, "arabic": 15, "latin": 45, "cjk": 10}

# (first name, last name, how the full name is written, email local part, phone prefix)
PEOPLE_PERSIAN = [
    ("سارا", "احمدی"),
    ("مریم", "رضایی"),
    ("علی", "کریمی"),
    ("نگار", "حسینی"),
    ("امیر", "محمدی"),
    ("پریسا", "جعفری"),
    ("رضا", "موسوی"),
    ("شیرین", "اکبری"),
    ("کاوه", "تهرانی"),
    ("لیلا", "صادقی"),
    ("بهرام", "نوری"),
    ("مهسا", "قاسمی"),
]
PEOPLE_ARABIC = [
    ("محمد", "العلي"),
    ("فاطمة", "الحسن"),
    ("أحمد", "منصور"),
    ("ليلى", "حداد"),
    ("يوسف", "خليل"),
    ("نور", "سعيد"),
    ("عمر", "الزين"),
    ("سلمى", "عيسى"),
]
PEOPLE_LATIN = [
    ("Sara", "Ahmadi"),
    ("Chloé", "Dubois"),
    ("José", "García"),
    ("Renée", "Lefèvre"),
    ("Søren", "Østergaard"),
    ("Jonas", "Müller"),
    ("Zoë", "Brontë"),
    ("François", "Lambert"),
    ("Jürgen", "Groß"),
    ("Łukasz", "Nowak"),
    ("Ágnes", "Kovács"),
    ("Amina", "Okafor"),
    ("Daniel", "Kim"),
    ("Hana", "Novák"),
    ("Kofi", "Mensah"),
    ("Ingrid", "Solberg"),
    ("Mateo", "Fernández"),
    ("Aoife", "Ní Bhriain"),
    ("Çağla", "Yılmaz"),
    ("Nguyễn", "Thị Lan"),
    ("Priya", "Raman"),
    ("Lucas", "Oliveira"),
    ("Emma", "Johansson"),
    ("Tomás", "Ó Briain"),
]
# CJK names are written family name first, without a space.
PEOPLE_CJK = [
    ("小明", "王"),
    ("娜", "李"),
    ("伟", "陈"),
    ("太郎", "山田"),
    ("花子", "佐藤"),
    ("민준", "김"),
    ("서연", "이"),
    ("静", "张"),
]
ROMAN = {
    "سارا": "sara",
    "مریم": "maryam",
    "علی": "ali",
    "نگار": "negar",
    "امیر": "amir",
    "پریسا": "parisa",
    "رضا": "reza",
    "شیرین": "shirin",
    "کاوه": "kaveh",
    "لیلا": "leila",
    "بهرام": "bahram",
    "مهسا": "mahsa",
    "محمد": "mohammed",
    "فاطمة": "fatima",
    "أحمد": "ahmed",
    "ليلى": "layla",
    "يوسف": "yousef",
    "نور": "nour",
    "عمر": "omar",
    "سلمى": "salma",
    "小明": "xiaoming",
    "娜": "na",
    "伟": "wei",
    "太郎": "taro",
    "花子": "hanako",
    "민준": "minjun",
    "서연": "seoyeon",
    "静": "jing",
}
ORGANIZATIONS = [
    ("Ahmadi Design", "ahmadi-design.example"),
    ("شرکت نوآوران پارس", "novavaran.example"),
    ("Müller & Söhne GmbH", "mueller-soehne.example"),
    ("García Imports S.L.", "garcia-imports.example"),
    ("东方贸易有限公司", "dongfang-trade.example"),
    ("مؤسسة النور للتجارة", "alnoor.example"),
    ("Lefèvre SARL", "lefevre.example"),
    ("Kim & Partners", "kimpartners.example"),
    ("Okafor Logistics", "okafor-logistics.example"),
    ("Novák Studio", "novak.example"),
    ("Nordlys AS", "nordlys.example"),
    ("Blue Harbor Café", "blueharbor.example"),
    ("山田製作所", "yamada-ss.example"),
    ("Øster ApS", "oster.example"),
]
TITLES = [
    "Owner",
    "CEO",
    "COO",
    "Buyer",
    "Marketing lead",
    "Office manager",
    "مدیر فروش",
    "Founder",
    "Project manager",
    "المدير المالي",
    "Designer",
    "Purchasing",
]
CITIES = [
    "Tehran",
    "Isfahan",
    "Dubai",
    "Beirut",
    "Madrid",
    "Lyon",
    "Berlin",
    "Aarhus",
    "Shanghai",
    "Osaka",
    "Seoul",
    "Lagos",
    "Oslo",
    "Prague",
    "Accra",
    "Istanbul",
]
COUNTRY_PREFIX = {"persian": "+98 912", "arabic": "+971 50", "latin": "+49 30", "cjk": "+86 21"}
ADDRESS = "{number} Main St, {city}"
# The custom fields some contacts have: a city, a subscription code, a VAT id (and its prefix).
CUSTOM_FIELDS = ("City", "کد اشتراک", "VAT id")
VAT_PREFIX = "DE"
TEAM_DOMAIN = "studio.example"
LOOSE_TASKS = [
    "Send invoice",
    "Prepare quote",
    "Call back about samples",
    "ارسال پیش‌فاکتور",
    "Update price list",
    "Order packaging",
    "Renew domain",
    "تجديد العقد",
]
TAGS = [
    "vip",
    "newsletter",
    "wholesale",
    "retail",
    "referral",
    "event-2026",
    "مشتری ویژه",
    "partner",
    "late-payer",
    "design",
]
SOURCES = ["website", "referral", "LinkedIn", "trade fair", "cold call", "Instagram"]
NOTES = [
    "Met at the Tehran expo. Wants a quote for Q3.",
    "Prefers calls after 5pm.",
    "Pays invoices on time; ask about the annual contract.",
    "قرارداد سالانه را در فروردین تمدید می‌کند.",
    "يفضل التواصل عبر واتساب.",
    "Interested in the premium catalogue; send samples.",
    "紹介: 山田さん. 見積もりを希望.",
    "Allergic to long meetings — keep it short.",
    "",
    "",
]
# What happened, by channel: (subject, body)
SUBJECTS = {
    "call": [
        (
            "Called about the quote",
            "Walked through the numbers; they want a discount for 12 months.",
        ),
        ("Check-in call", "All good; next order expected next month."),
        ("تماس درباره پیش‌فاکتور", "درباره قیمت‌ها صحبت کردیم؛ منتظر تأیید هستند."),
        ("Call about invoice", "Asked for a copy of the last invoice."),
    ],
    "email": [
        ("Sent proposal v2", "Attached the revised proposal with the new timeline."),
        ("Invoice sent", "Invoice for last month's work, due in 30 days."),
        ("تم إرسال العرض", "أرسلنا العرض المحدث مع الأسعار الجديدة."),
        ("Re: catalogue samples", "They liked the samples and want three more colours."),
    ],
    "meeting": [
        ("Kick-off meeting", "Agreed on scope, milestones and weekly check-ins."),
        ("Quarterly review", "Reviewed results; they want to expand to two more stores."),
        ("打ち合わせ", "新しいカタログについて話し合いました。"),
    ],
    "sms": [
        ("Reminder about Thursday", "See you Thursday at 10."),
        ("Delivery update", "Out for delivery today."),
    ],
    "chat": [
        ("Quick question on sizes", "Answered on WhatsApp."),
        ("Order status", "Shared the tracking link."),
    ],
    "social": [
        ("Commented on our post", "Liked the new collection."),
        ("Tagged us in a story", "Great photo of the shop."),
    ],
    "note": [
        ("Note", "Their fiscal year ends in March."),
        ("یادداشت", "به پیشنهاد جدید علاقه دارد."),
    ],
    "other": [("Visited the shop", "Came by to pick up samples.")],
}
COMPLAINTS = [
    ("Late delivery", "The order arrived a week late; they are unhappy."),
    ("Invoice error", "We charged the wrong VAT rate."),
    ("تاخیر در تحویل", "سفارش دیر رسید و مشتری ناراضی است."),
    ("منتج تالف", "وصل جزء من الشحنة تالفاً."),
    ("Wrong colour", "Received navy instead of black."),
    ("Support too slow", "Waited three days for an answer."),
]
TEAM = [
    ("Negar Tehrani", "negar", "NT"),
    ("Omar Haddad", "omar", "OH"),
    ("Lena Fischer", "lena", "LF"),
]
PROJECTS = [
    (
        "Website redesign",
        "Ahmadi Design",
        [
            ("Discovery workshop", 0, 2, [], False),
            ("Wireframes", 3, 5, [0], False),
            ("Visual design", 8, 7, [1], False),
            ("Client sign-off", 15, 0, [2], True),
            ("Build pages", 16, 10, [3], False),
            ("Launch", 27, 0, [4], True),
        ],
    ),
    (
        "Catalogue 2027",
        "García Imports S.L.",
        [
            ("Collect product photos", -6, 8, [], False),
            ("Write descriptions", -2, 6, [0], False),
            ("Layout catalogue", 5, 6, [1], False),
            ("Print proof", 12, 2, [2], True),
        ],
    ),
    (
        "Onboarding Nordlys",
        "Nordlys AS",
        [
            ("Kick-off call", -10, 1, [], False),
            ("Send proposal", -8, 3, [0], False),
            ("Contract signed", -3, 0, [1], True),
            ("Account setup", 1, 4, [2], False),
            ("First review", 14, 1, [3], True),
        ],
    ),
]
TEMPLATES = [
    (
        "New client onboarding",
        "From first call to first review.",
        [
            ("Kick-off call", 0, 1, [], False),
            ("Send proposal", 2, 2, [0], False),
            ("Contract signed", 5, 0, [1], True),
            ("Account setup", 7, 3, [2], False),
            ("First review", 14, 1, [3], True),
        ],
    ),
    (
        "Website project",
        "Discovery to launch in five weeks.",
        [
            ("Discovery workshop", 0, 2, [], False),
            ("Wireframes", 3, 5, [0], False),
            ("Visual design", 8, 7, [1], False),
            ("Build", 15, 10, [2], False),
            ("Launch", 26, 0, [3], True),
        ],
    ),
]
# What the demo business sells (deal titles) and in which currencies, by weight.
DEALS = [
    "Website redesign",
    "Annual support contract",
    "Spring catalogue print run",
    "Team training workshop",
    "Packaging refresh",
    "Online shop build",
    "Brand guidelines",
    "Trade fair stand",
    "Photo shoot for new range",
    "Newsletter templates",
    "طراحی کاتالوگ",
    "عقد صيانة سنوي",
    "展会展台设计",
]
CURRENCIES = {"EUR": 85, "IRR": 15}

# Appointments: what is booked, and where (a place, a link, or nowhere said).
APPOINTMENTS = [
    "Kickoff meeting",
    "Design review",
    "Quarterly check-in",
    "Contract call",
    "Site visit",
    "Workshop planning",
    "مراجعة التصميم",
    "打合せ: カタログ",
]
PLACES = ["Studio, room 2", "https://meet.example/studio", "Client's office", ""]
