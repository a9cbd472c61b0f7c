"""Which column means what, for the exports people bring (Google, Outlook, LinkedIn, Excel…).

A profile turns a header into a ``ColumnMap``: for each column, the contact field it fills
(``email``, ``phone`` and ``tags`` may come from several columns). Columns no profile knows
become custom fields, so nothing in the file is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_tui.entities import CONTACT
from crm_tui.errors import UsageError, ValidationError
from crm_tui.io.csv_reader import excerpt
from crm_tui.text import fold

# What a file's column can fill, by its export name: each imported field of the contact
# holding one value (``entities.CONTACT``), a middle name (joined to the first name) and the
# id (our own export's).
SCALARS = (
    *(str(f.exported_as) for f in CONTACT.imported if f.choosable and f.exported_as),
    "middle_name",
    "id",
)
MULTI = ("email", "phone", "tags")
TARGETS = (*SCALARS, *MULTI, "ignore")


@dataclass(frozen=True)
class Target:
    """Where a column goes: a field, a custom field, or (for emails/phones) with a label."""

    field: str  # one of TARGETS, or "custom"
    custom_name: str = ""
    label: str = ""
    label_column: int | None = None  # the column holding this value's label (Google style)


@dataclass
class ColumnMap:
    profile: str
    targets: dict[int, Target] = field(default_factory=dict)

    def describe(self, header: list[str]) -> list[str]:
        lines = []
        for index, target in sorted(self.targets.items()):
            if target.field != "custom":
                where = target.field
            elif target.label_column is not None:
                where = f"a custom field named by {header[target.label_column]!r}"
            else:
                where = f"custom field {target.custom_name!r}"
            lines.append(f"{header[index]!r} -> {where}")
        return lines


def _key(column: str) -> str:
    return re.sub(r"[\s_\-.:]+", " ", fold(column)).strip()


# -- profiles --------------------------------------------------------------------------------

_GENERIC = {
    "name": [
        "name",
        "full name",
        "contact",
        "contact name",
        "display name",
        "nom",
        "naam",
        "nombre",
        "نام",
        "姓名",
        "名前",
        "이름",
    ],
    "first_name": [
        "first name",
        "given name",
        "firstname",
        "vorname",
        "prenom",
        "prénom",
        "nombre de pila",
        "first",
    ],
    "middle_name": ["middle name", "additional name"],
    "last_name": [
        "last name",
        "surname",
        "family name",
        "lastname",
        "nachname",
        "nom de famille",
        "apellido",
        "last",
    ],
    "email": [
        "email",
        "e mail",
        "mail",
        "email address",
        "e mail address",
        "courriel",
        "correo",
        "ایمیل",
        "邮箱",
        "メール",
        "이메일",
    ],
    "phone": [
        "phone",
        "telephone",
        "tel",
        "telefon",
        "mobile",
        "cell",
        "mobile phone",
        "phone number",
        "handy",
        "téléphone",
        "telefono",
        "تلفن",
        "موبایل",
        "电话",
    ],
    "organization": [
        "company",
        "organization",
        "organisation",
        "org",
        "firma",
        "entreprise",
        "société",
        "societe",
        "empresa",
        "شرکت",
        "公司",
        "会社",
    ],
    "title": ["title", "job title", "position", "role", "funktion", "poste"],
    "notes": [
        "notes",
        "note",
        "notiz",
        "notizen",
        "comment",
        "comments",
        "remarks",
        "remarques",
        "یادداشت",
    ],
    "tags": ["tags", "tag", "labels", "categories", "groups", "برچسب"],
    "website": ["website", "web", "url", "homepage", "web page", "site"],
    "address": ["address", "adresse", "anschrift", "dirección", "آدرس"],
    "birthday": ["birthday", "birth date", "date of birth", "geburtstag", "anniversaire"],
    "status": ["status", "lifecycle", "stage"],
    "source": ["source", "lead source", "quelle"],
    "owner": [
        "owner",
        "contact owner",
        "account owner",
        "lead owner",
        "owner name",
        "assigned to",
        "sales rep",
        "مسئول",
    ],
}
_GENERIC_INDEX = {_key(alias): target for target, aliases in _GENERIC.items() for alias in aliases}


def _generic(header: list[str]) -> ColumnMap:
    mapping = ColumnMap("generic")
    for index, column in enumerate(header):
        target = _GENERIC_INDEX.get(_key(column))
        if target is not None:
            mapping.targets[index] = Target(target)
    return mapping


def _pairs(header: list[str], pattern: str, target: str) -> dict[int, Target]:
    """Google-style "E-mail 1 - Label" / "E-mail 1 - Value" column pairs."""
    found: dict[int, Target] = {}
    labels = {}
    for index, column in enumerate(header):
        match = re.fullmatch(pattern, column.strip(), re.IGNORECASE)
        if match and match.group(2).lower() in ("label", "type"):
            labels[match.group(1)] = index
    for index, column in enumerate(header):
        match = re.fullmatch(pattern, column.strip(), re.IGNORECASE)
        if match and match.group(2).lower() == "value":
            found[index] = Target(target, label_column=labels.get(match.group(1)))
        elif match:
            found[index] = Target("ignore")
    return found


def _google(header: list[str]) -> ColumnMap:
    mapping = ColumnMap("google")
    fixed = {
        "Name": "name",
        "First Name": "first_name",
        "Given Name": "first_name",
        "Middle Name": "middle_name",
        "Additional Name": "middle_name",
        "Last Name": "last_name",
        "Family Name": "last_name",
        "Notes": "notes",
        "Birthday": "birthday",
        "Organization Name": "organization",
        "Organization 1 - Name": "organization",
        "Organization Title": "title",
        "Organization 1 - Title": "title",
        "Labels": "tags",
        "Group Membership": "tags",
        "Address 1 - Formatted": "address",
        "File As": "ignore",
        "Photo": "ignore",
    }
    for index, column in enumerate(header):
        if column in fixed:
            mapping.targets[index] = Target(fixed[column])
        elif re.fullmatch(
            r"Address 1 - (Street|City|PO Box|Region|Postal Code|Country|"
            r"Extended Address|Label|Type)",
            column,
        ):
            mapping.targets[index] = Target("ignore")  # the formatted address has them all
    mapping.targets.update(_pairs(header, r"E-mail (\d+) - (Label|Type|Value)", "email"))
    mapping.targets.update(_pairs(header, r"Phone (\d+) - (Label|Type|Value)", "phone"))
    websites = _pairs(header, r"Website (\d+) - (Label|Type|Value)", "website")
    mapping.targets.update(
        {i: t for i, t in websites.items() if t.field == "website"}
        | {i: Target("ignore") for i, t in websites.items() if t.field == "ignore"}
    )
    for kind in _GOOGLE_NAMED_PAIRS:
        mapping.targets.update(_named_pairs(header, kind))
    return mapping


# Google's pairs whose label is the value's name, chosen per contact ("Custom Field 1 -
# Label" holds "Referral", "Custom Field 1 - Value" holds "Sara"; "Event 1" an anniversary).
_GOOGLE_NAMED_PAIRS = ("Custom Field", "Event", "Relation")


def _named_pairs(header: list[str], kind: str) -> dict[int, Target]:
    """One custom field per "<kind> N - Label" / "<kind> N - Value" pair and row, named by
    the label's cell (by the pair, "Custom Field 1", when that cell is blank)."""
    found = _pairs(header, rf"{re.escape(kind)} (\d+) - (Label|Type|Value)", "custom")
    for index, target in found.items():
        if target.field == "custom":
            pair = header[index].strip().rsplit(" - ", 1)[0]
            found[index] = Target("custom", custom_name=pair, label_column=target.label_column)
    return found


_OUTLOOK_EMAILS = {"E-mail Address": "", "E-mail 2 Address": "", "E-mail 3 Address": ""}
_OUTLOOK_PHONES = {
    "Primary Phone": "",
    "Mobile Phone": "mobile",
    "Business Phone": "work",
    "Business Phone 2": "work",
    "Home Phone": "home",
    "Home Phone 2": "home",
    "Company Main Phone": "company",
    "Other Phone": "other",
    "Car Phone": "car",
}


def _outlook(header: list[str]) -> ColumnMap:
    mapping = ColumnMap("outlook")
    fixed = {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Company": "organization",
        "Job Title": "title",
        "Notes": "notes",
        "Web Page": "website",
        "Birthday": "birthday",
        "Categories": "tags",
        "Title": "ignore",
        "Suffix": "ignore",
        "Initials": "ignore",
    }
    for index, column in enumerate(header):
        if column in fixed:
            mapping.targets[index] = Target(fixed[column])
        elif column in _OUTLOOK_EMAILS:
            mapping.targets[index] = Target("email")
        elif column in _OUTLOOK_PHONES:
            mapping.targets[index] = Target("phone", label=_OUTLOOK_PHONES[column])
        elif column.endswith(("Fax", "Pager")) or column in (
            "Gender",
            "Sensitivity",
            "Priority",
            "Private",
        ):
            mapping.targets[index] = Target("ignore")
    return mapping


def _linkedin(header: list[str]) -> ColumnMap:
    mapping = ColumnMap("linkedin")
    fixed = {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Company": "organization",
        "Position": "title",
        "URL": "website",
    }
    for index, column in enumerate(header):
        if column in fixed:
            mapping.targets[index] = Target(fixed[column])
    return mapping


def _crm(header: list[str]) -> ColumnMap:
    """Our own CSV export: fields by name, "custom:Name" columns, Google-style pairs."""
    mapping = ColumnMap("crm")
    for index, column in enumerate(header):
        if column.startswith("custom:"):
            mapping.targets[index] = Target("custom", custom_name=column[7:])
        elif column in ("last_contacted_at", "created_at", "updated_at"):
            mapping.targets[index] = Target("ignore")  # kept by the database, not imported
        elif column in SCALARS or column == "tags":
            mapping.targets[index] = Target(column)
    mapping.targets.update(_pairs(header, r"email (\d+) (label|value)", "email"))
    mapping.targets.update(_pairs(header, r"phone (\d+) (label|value)", "phone"))
    return mapping


@dataclass(frozen=True)
class Profile:
    name: str
    signature: frozenset[str]
    build: Callable[[list[str]], ColumnMap]

    def score(self, header: list[str]) -> int:
        return len(self.signature & set(header))


# Columns that only that export has (a shared "First Name" says nothing); two must match.
PROFILES = {
    "crm": Profile(
        "crm", frozenset({"id", "first_name", "last_name", "email 1 value", "phone 1 value"}), _crm
    ),
    "google": Profile(
        "google",
        frozenset(
            {
                "E-mail 1 - Value",
                "Phone 1 - Value",
                "Organization Name",
                "Given Name",
                "Family Name",
                "Labels",
                "Group Membership",
                "Organization 1 - Name",
            }
        ),
        _google,
    ),
    "outlook": Profile(
        "outlook",
        frozenset(
            {
                "E-mail Address",
                "E-mail 2 Address",
                "Business Phone",
                "Mobile Phone",
                "Job Title",
                "Categories",
                "Home Street",
                "Web Page",
            }
        ),
        _outlook,
    ),
    "linkedin": Profile(
        "linkedin", frozenset({"Email Address", "Connected On", "URL", "Position"}), _linkedin
    ),
    "generic": Profile("generic", frozenset(), _generic),
}
PROFILE_NAMES = ["auto", *PROFILES]


def choose_profile(header: list[str], name: str = "auto") -> Profile:
    if name != "auto":
        if name not in PROFILES:
            raise UsageError(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}")
        return PROFILES[name]
    scored = [(p.score(header), p) for p in PROFILES.values() if p.signature]
    best_score, best = max(scored, key=lambda item: item[0])
    return best if best_score >= 2 else PROFILES["generic"]


def parse_overrides(items: list[str], header: list[str]) -> dict[int, Target]:
    """``--map "Column=field"`` (field: a contact field, "custom:Name" or "ignore")."""
    overrides: dict[int, Target] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        if not sep or not column:
            raise UsageError(f'--map {item!r}: write it as "Column=field"')
        matches = [i for i, c in enumerate(header) if c == column or _key(c) == _key(column)]
        if not matches:
            raise UsageError(f"--map {item!r}: the file has no column {column!r}")
        target = target.strip()
        if target.startswith("custom:") and target[7:].strip():
            overrides[matches[0]] = Target("custom", custom_name=target[7:].strip())
        elif target in TARGETS:
            overrides[matches[0]] = Target(target)
        else:
            raise UsageError(
                f"--map {item!r}: unknown field {target!r}; use one of "
                f"{', '.join(TARGETS)} or custom:Name"
            )
    return overrides


IDENTIFYING = {"name", "first_name", "middle_name", "last_name", "email", "phone", "organization"}


def check_identifies(mapping: ColumnMap, header: list[str], source: str) -> None:
    """Refuse a map with no column to recognise a contact by: each row would be refused on
    a line of its own, for the same reason."""
    if any(target.field in IDENTIFYING for target in mapping.targets.values()):
        return
    columns = [excerpt(column) for column in header if column.strip()] or ["Name"]
    raise ValidationError(
        f"{source}: no column holds a name, email or phone ({', '.join(columns)}); say which "
        f'does with --map, e.g. --map "{columns[0]}=name"'
    )


# Fields a row may take from several columns (a second email, more tags).
_MANY_COLUMNS = {"email", "phone", "tags", "notes"}


def _add_common_names(mapping: ColumnMap, header: list[str]) -> None:
    """Map the columns a profile does not know as the generic profile would, for fields the
    profile left without a column: a "Name" column beside Outlook's own columns is the name,
    not a custom field (the contact was named after its company)."""
    taken = {target.field for target in mapping.targets.values()}
    for index, column in enumerate(header):
        field = _GENERIC_INDEX.get(_key(column))
        if index in mapping.targets or field is None:
            continue
        if field not in taken or field in _MANY_COLUMNS:
            mapping.targets[index] = Target(field)
            taken.add(field)


def column_map(
    header: list[str], profile: str = "auto", overrides: list[str] | None = None
) -> ColumnMap:
    """The profile's map, ``--map`` on top, and every other column as a custom field."""
    chosen = choose_profile(header, profile)
    mapping = chosen.build(header)
    _add_common_names(mapping, header)
    mapping.targets.update(parse_overrides(overrides or [], header))
    for index, column in enumerate(header):
        if index not in mapping.targets and column.strip():
            mapping.targets[index] = Target("custom", custom_name=column.strip())
    _refuse_repeated(mapping, header)
    return mapping


def _refuse_repeated(mapping: ColumnMap, header: list[str]) -> None:
    """Refuse two columns filling one field that holds one value (a custom field, a title):
    the second's value would replace the first's, unsaid."""
    seen: dict[tuple[str, str], int] = {}
    for index, target in sorted(mapping.targets.items()):
        if target.field in (*_MANY_COLUMNS, "ignore") or target.label_column is not None:
            continue
        # A free custom field is kept as written: "City" and "city" are two of them.
        first = seen.setdefault((target.field, target.custom_name), index)
        if first != index:
            field = target.custom_name if target.field == "custom" else target.field
            way = (
                f'rename one, or leave it out: --map "{header[index].strip()}=ignore"'
                if _key(header[first]) != _key(header[index])
                else "rename one of them"
            )
            raise ValidationError(
                f"columns {first + 1} ({excerpt(header[first])}) and {index + 1} "
                f"({excerpt(header[index])}) both fill {field}: one would replace the "
                f"other; {way}"
            )
