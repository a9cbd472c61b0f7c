"""The rule language of segments: which contacts a segment holds, written in one line.

    status:customer tag:vip last_contacted:>90d City:Tehran won:>=2
    (tag:vip OR tag:partner) -status:lost NOT complaint:open

Terms side by side must all hold (AND may be written); OR between them is either; NOT or
a leading "-" turns one around; parentheses group. A term is ``key:value``, the value
perhaps after a comparison (``>``, ``>=``, ``<``, ``<=``, ``!=``, ``~`` contains) and in
double quotes when it holds a space (``City:"San José"``); ``key:""`` is empty.

This module only reads a rule into a tree (``parse``) and writes it back (``text``); what a
key means and how it becomes SQL is ``crm_tui.services.segments``. Nothing here touches the
database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_tui.errors import ValidationError

# What ``?`` says of the language on the contacts list (the README says it at length).
SUMMARY = """\
Rules (f filters by one, R builds one, crm contacts list --rule takes one):
  status:customer tag:vip last_contacted:>90d City:Tehran won:>=2
  side by side all hold; OR: either; NOT or a leading -: not; ( ) group; "…" quotes
  key:value  key:!=value  key:>value (>= < <=)  key:~part (contains)  key:"" (empty)
  status source name org owner tag; created last_contacted: a day or 90d 2w 6m 1y
  complaint:open|any  sentiment:negative  interactions:>=3  interactions_90d:>=1
  won:>=2  won_value:>10000EUR  open_value:>5000EUR  stage:Proposal  last_won:>180d
  any other key (or custom.NAME) is a custom field; a typed one compares as its type,
  Budget:1000..5000 between"""

MAX_RULE = 2_000  # characters: longer is not a rule someone wrote
MAX_DEPTH = 20  # nested parentheses and NOTs

OPERATORS = (">=", "<=", "!=", ">", "<", "~", "=")


@dataclass(frozen=True)
class Term:
    key: str  # as written, lower case for the known keys (custom fields keep theirs)
    op: str  # one of OPERATORS ("=" when none was written)
    value: str


@dataclass(frozen=True)
class Not:
    rule: Rule


@dataclass(frozen=True)
class All:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Any_:
    rules: tuple[Rule, ...]


Rule = Term | Not | All | Any_

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\()|(?P<close>\))|
        (?P<term>-?(?:"[^"]*"|[^\s:()"]+):(?:>=|<=|!=|>|<|~|=)?(?:"[^"]*"|[^\s()"]*))|
        (?P<word>[^\s()]+)
    )""",
    re.VERBOSE,
)


class RuleError(ValidationError):
    """A rule that cannot be read, said with where."""


def _tokens(text: str) -> list[str]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise RuleError(f"cannot read the rule at {text[position : position + 20]!r}")
        found.append(match.group(0).strip())
        position = match.end()
    return [token for token in found if token]


def parse(text: str) -> Rule:
    """The rule ``text`` says; ``RuleError`` naming the place it cannot be read."""
    if len(text) > MAX_RULE:
        raise RuleError(f"a rule is at most {MAX_RULE:,} characters")
    tokens = _tokens(text)
    if not tokens:
        raise RuleError("the rule is empty: write at least one term, e.g. tag:vip")
    reader = _Reader(tokens)
    rule = reader.any(0)
    if reader.position < len(tokens):
        raise RuleError(f"unexpected {tokens[reader.position]!r} (a ')' too many?)")
    return rule


class _Reader:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.position = tokens, 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def any(self, depth: int) -> Rule:
        rules = [self.all(depth)]
        while (self._peek() or "").upper() == "OR":
            self.position += 1
            rules.append(self.all(depth))
        return rules[0] if len(rules) == 1 else Any_(tuple(rules))

    def all(self, depth: int) -> Rule:
        rules = [self.one(depth)]
        while (token := self._peek()) is not None and token != ")" and token.upper() != "OR":
            if token.upper() == "AND":
                self.position += 1
            rules.append(self.one(depth))
        return rules[0] if len(rules) == 1 else All(tuple(rules))

    def one(self, depth: int) -> Rule:
        if depth > MAX_DEPTH:
            raise RuleError(f"a rule nests at most {MAX_DEPTH} deep")
        token = self._peek()
        if token is None:
            raise RuleError("the rule ends where a term was expected")
        self.position += 1
        upper = token.upper()
        if upper == "NOT":
            return Not(self.one(depth + 1))
        if token == "(":
            inner = self.any(depth + 1)
            if self._peek() != ")":
                raise RuleError("a '(' is not closed")
            self.position += 1
            return inner
        if token == ")" or upper in ("AND", "OR"):
            raise RuleError(f"{token!r} where a term was expected")
        if token.startswith("-") and ":" in token:
            return Not(_term(token[1:]))
        return _term(token)


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _term(token: str) -> Term:
    if ":" not in token:
        raise RuleError(f"{token!r} is not a term: write key:value, e.g. tag:{token}")
    if token.startswith('"'):
        end = token.index('"', 1)
        key, rest = token[1:end], token[end + 2 :]
    else:
        key, rest = token.split(":", 1)
    op = next((o for o in OPERATORS if rest.startswith(o)), "=")
    value = _unquote(rest[len(op) :] if rest.startswith(op) else rest)
    if not key:
        raise RuleError(f"{token!r} has no key before ':'")
    return Term(key, op, value)


def text(rule: Rule) -> str:
    """The rule written back, in one canonical way (what a saved segment shows)."""
    if isinstance(rule, Term):
        key = f'"{rule.key}"' if re.search(r'[\s:()"]', rule.key) else rule.key
        value = rule.value
        if value == "" or re.search(r'[\s()"]', value):
            value = '"' + value.replace('"', "") + '"'
        return f"{key}:{'' if rule.op == '=' else rule.op}{value}"
    if isinstance(rule, Not):
        inner = text(rule.rule)
        return f"-{inner}" if isinstance(rule.rule, Term) else f"NOT ({inner})"
    if isinstance(rule, All):
        return " ".join(f"({text(r)})" if isinstance(r, Any_) else text(r) for r in rule.rules)
    return " OR ".join(f"({text(r)})" if isinstance(r, All) else text(r) for r in rule.rules)
