"""IPC and CPC classification symbols: reading every written form, one normal form, prefixes.

A symbol names a place in the IPC tree (WIPO) or in its extension, the CPC (EPO/USPTO):
section ``G`` > class ``G06`` > subclass ``G06F`` > main group ``G06F 9/00`` > subgroup
``G06F 9/30``. Sources write the same symbol in many ways; :func:`parse_symbol` reads them all
and :class:`ClassSymbol` gives the three forms ipnav uses:

======================  ==================  ================================================
form                    example             used for
======================  ==================  ================================================
``compact``             ``G06F9/30``        storage and search keys (:func:`normalize_symbol`)
``standard``            ``G06F 9/30``       display; WIPO ST.8 "standard notation", the title files
``raw14``               ``G06F0009300000``  WIPO ST.8 14-character form; sorts in scheme order
======================  ==================  ================================================

The digits after the slash read like a decimal fraction: ``9/30``, ``9/300`` and ``9/300000``
are one group (their 14-character forms are equal), so trailing zeros are dropped down to two
digits. The tree below a main group is given by the dots of the scheme, which no symbol carries:
the parent of any subgroup here is its main group, never another subgroup.

Partial symbols (``H``, ``H01``, ``H01M``, and a main group without slash, ``G06F9``) are
prefixes for search: see :func:`symbol_matches_prefix`. This module is pure logic; titles and
technology fields are in :mod:`ipnav.model.schemes`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from ipnav.errors import IpnavError


class ClassificationError(IpnavError, ValueError):
    """A classification symbol that cannot be read."""


class Level(StrEnum):
    """Rank of a symbol in the IPC/CPC tree, broadest first."""

    SECTION = "section"
    CLASS = "class"
    SUBCLASS = "subclass"
    MAIN_GROUP = "main_group"
    SUBGROUP = "subgroup"


SECTIONS = "ABCDEFGHY"
"""IPC sections A-H plus the CPC's Y (tagging of new technologies, former USPC collections)."""

_ACCEPTED = (
    "write it like G06F 9/30, G06F9/30, G06F0009300000, G06F015/00, "
    "the USPTO fixed-width G06F 1516, or a prefix H, H01, H01M, G06F9"
)

# Upper-cased, NFKC-normalised text with outer blanks removed is matched against these.
# Every pattern is ASCII-only on purpose: ``\d`` would also accept Arabic-Indic digits.
_VERSION = re.compile(r"\s*[(\[]\s*[0-9]{4}\.[0-9]{2}\s*[)\]]\s*[A-Z]?$")  # "(2006.01)I"
_HEAD = re.compile(r"([A-Z])(?:([0-9]{2})(?:([A-Z])(.*))?)?", re.ASCII | re.DOTALL)
_WITH_SLASH = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]*)")  # " 9/30", "015/00", "0009/30", "9/"
_DIGITS = re.compile(r"[0-9]+")  # "9" (prefix), "49504" (fixed width), raw 14-char tail
# USPTO SGML / APS greenbook (ST.32): main group right-aligned in 3 places, then the subgroup.
_FIXED_WIDTH = re.compile(r"(  [0-9]| [0-9]{2}|[0-9]{3})([0-9]{2,6})")


@dataclass(frozen=True)
class ClassSymbol:
    """One IPC/CPC symbol or prefix, in parts: ``G``, ``06``, ``F``, ``9``, ``"30"``.

    ``subgroup`` keeps its significant digits as text (``"30189"``, ``"00"`` for the main
    group itself); ``None`` in a part means the symbol stops above it. A main group with
    ``subgroup=None`` is the prefix ``G06F9`` (the whole group); with ``"00"`` it is the group
    ``G06F9/00`` itself.
    """

    section: str
    class_: str | None = None
    subclass: str | None = None
    main_group: int | None = None
    subgroup: str | None = None

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ClassificationError(f"invalid classification symbol parts {self!r}: {problem}")

    @property
    def level(self) -> Level:
        if self.class_ is None:
            return Level.SECTION
        if self.subclass is None:
            return Level.CLASS
        if self.main_group is None:
            return Level.SUBCLASS
        if self.subgroup is None or self.subgroup == "00":
            return Level.MAIN_GROUP
        return Level.SUBGROUP

    @property
    def is_prefix(self) -> bool:
        """True when the symbol names a whole branch by its leading parts (no subgroup given)."""
        return self.subgroup is None

    @property
    def subclass_code(self) -> str | None:
        """``"G06F"``; ``None`` for a section or class."""
        if self.subclass is None:
            return None
        return f"{self.section}{self.class_}{self.subclass}"

    @property
    def compact(self) -> str:
        """``"G06F9/30"``, ``"G06F9/00"``, ``"G06F9"`` (prefix), ``"G06F"``, ``"G06"``, ``"G"``."""
        head = self.section + (self.class_ or "") + (self.subclass or "")
        if self.main_group is None:
            return head
        if self.subgroup is None:
            return f"{head}{self.main_group}"
        return f"{head}{self.main_group}/{self.subgroup}"

    @property
    def standard(self) -> str:
        """WIPO standard notation ``"G06F 9/30"``; a main-group prefix is ``"G06F 9"``.

        ``parse_symbol`` reads every standard form back except a prefix of a 4-digit CPC main
        group: ``"G06F 2201"`` is the USPTO fixed-width ``G06F 22/01`` (write ``G06F2201``).
        """
        head = self.section + (self.class_ or "") + (self.subclass or "")
        if self.main_group is None:
            return head
        if self.subgroup is None:
            return f"{head} {self.main_group}"
        return f"{head} {self.main_group}/{self.subgroup}"

    @property
    def raw14(self) -> str:
        """WIPO 14-character form ``"G06F0009300000"``; cut short for prefixes (``"G06F0009"``).

        A prefix's raw form is a string prefix of its members' raw forms, and raw forms sort
        in scheme order.
        """
        head = self.section + (self.class_ or "") + (self.subclass or "")
        if self.main_group is None:
            return head
        main = f"{self.main_group:04d}"
        if self.subgroup is None:
            return head + main
        return head + main + self.subgroup.ljust(6, "0")

    @property
    def parent(self) -> ClassSymbol | None:
        """The next broader symbol: a subgroup's parent is its main group ``/00``."""
        level = self.level
        if level is Level.SECTION:
            return None
        if level is Level.CLASS:
            return ClassSymbol(self.section)
        if level is Level.SUBCLASS:
            return ClassSymbol(self.section, self.class_)
        if level is Level.MAIN_GROUP:
            return ClassSymbol(self.section, self.class_, self.subclass)
        return ClassSymbol(self.section, self.class_, self.subclass, self.main_group, "00")

    def ancestors(self) -> list[ClassSymbol]:
        """Section, class, subclass, main group, down to and including this symbol."""
        chain = [self]
        while (up := chain[-1].parent) is not None:
            chain.append(up)
        return chain[::-1]

    def __str__(self) -> str:
        return self.compact


def parse_symbol(text: str) -> ClassSymbol:
    """Read an IPC/CPC symbol or prefix in any of the forms found in patent data.

    Accepted, in upper or lower case, half- or full-width:

    * standard and compact: ``G06F 9/30``, ``G06F9/30189``, ``G06F2201/885``, ``Y02E10/50``;
    * zero-padded main groups: ``G06F 0009/30``, old USPTO ``G06F015/00``, ``A61B005/00``;
    * WIPO 14-character: ``G06F0009300000``;
    * USPTO SGML and APS greenbook fixed width (main group right-aligned in 3 places, then
      the subgroup): ``G06F 1516`` = G06F 15/16, ``G06F 1300`` = 13/00, ``B60R  900`` = 9/00;
    * prefixes: section ``H``, class ``H01``, subclass ``H01M`` (also PatSnap's ``H01M/``),
      main group ``G06F9`` / ``G06F 9`` / ``G06F9/``;
    * a trailing IPC version, as in CN data: ``G06F 9/30(2006.01)I``.

    Raises
    ------
    ClassificationError
        For anything else, with the input quoted and the accepted forms listed.
    """
    if not isinstance(text, str):
        raise ClassificationError(f"a classification symbol must be text, got {text!r}")
    clean = unicodedata.normalize("NFKC", text).upper().strip()
    clean = _VERSION.sub("", clean)
    head = _HEAD.fullmatch(clean)
    if head is None:
        if not clean[:1].isascii() or not clean[:1].isalpha():
            _fail(text, "it must start with a section letter A-H or Y")
        _fail(text, "a class is two digits and a subclass one letter, as in G06F")
    section, class_, subclass, rest = head.groups()
    if section not in SECTIONS:
        _fail(text, f"there is no section {section}, only A-H and the CPC's Y")
    if class_ is None:
        return _build(text, section)
    if class_ == "00":
        _fail(text, "class 00 does not exist")
    if subclass is None:
        return _build(text, section, class_)
    if rest in ("", "/"):
        return _build(text, section, class_, subclass)
    if m := _WITH_SLASH.fullmatch(rest):
        main, sub = m.groups()
        return _build(text, section, class_, subclass, main, sub or None)
    if m := _FIXED_WIDTH.fullmatch(rest):
        return _build(text, section, class_, subclass, m.group(1), m.group(2))
    digits = rest.lstrip()
    if _DIGITS.fullmatch(digits):
        if len(digits) <= 4:
            return _build(text, section, class_, subclass, digits, None)
        if len(digits) == 10 and digits == rest:
            return _build(text, section, class_, subclass, digits[:4], digits[4:])
        _fail(text, "no slash, and its digits fit neither the 14-character nor a prefix form")
    if rest.lstrip().startswith("/"):
        _fail(text, "the main group number before '/' is missing")
    _fail(text, "after the subclass must come the main group, e.g. 9/30")


def normalize_symbol(text: str) -> str:
    """Compact form, used for storage: ``"G06F 9/30"`` -> ``"G06F9/30"``.

    Raises :class:`ClassificationError` like :func:`parse_symbol`.
    """
    return parse_symbol(text).compact


def symbol_matches_prefix(symbol: str | ClassSymbol, prefix: str | ClassSymbol) -> bool:
    """Whether ``symbol`` lies in the branch that ``prefix`` names (search ``IPC=G06F9``).

    Parts are compared whole, never as text: ``G06F9`` matches ``G06F9/30`` and ``G06F9/00``
    but not ``G06F99/00``. A main group, written ``G06F9`` or ``G06F9/00``, covers all its
    subgroups (IPC convention: a main group includes the groups under it). A subgroup prefix
    matches only itself, because the dot hierarchy below main groups is not in the symbol
    (``9/30189`` is not known to lie under ``9/30``). A symbol broader than the prefix
    (``G06F`` against ``G06F9``) does not match.
    """
    sym = symbol if isinstance(symbol, ClassSymbol) else parse_symbol(symbol)
    pre = prefix if isinstance(prefix, ClassSymbol) else parse_symbol(prefix)
    parts = ("section", "class_", "subclass", "main_group")
    for name in parts:
        wanted = getattr(pre, name)
        if wanted is None:
            return True
        if getattr(sym, name) != wanted:
            return False
    if pre.subgroup is None or pre.subgroup == "00":
        return True
    return sym.subgroup == pre.subgroup


def _build(
    text: str,
    section: str,
    class_: str | None = None,
    subclass: str | None = None,
    main: str | None = None,
    sub: str | None = None,
) -> ClassSymbol:
    main_group = None
    if main is not None:
        main = main.strip()
        if len(main.lstrip("0")) > 4:
            _fail(text, "a main group has 1 to 4 digits")
        main_group = int(main.lstrip("0") or "0")
        if main_group == 0:
            _fail(text, "main group 0 does not exist")
    if sub is not None:
        if not 2 <= len(sub) <= 6:
            _fail(text, "a subgroup has 2 to 6 digits after '/'")
        sub = sub.rstrip("0").ljust(2, "0")
    return ClassSymbol(section, class_, subclass, main_group, sub)


def _problem(sym: ClassSymbol) -> str | None:
    """What is wrong with directly constructed parts, or None."""
    if not (isinstance(sym.section, str) and len(sym.section) == 1 and sym.section in SECTIONS):
        return "section must be one of " + SECTIONS
    filled = [sym.class_, sym.subclass, sym.main_group, sym.subgroup]
    if any(filled[i] is None and filled[i + 1] is not None for i in range(3)):
        return "a part is given below a missing one"
    if sym.class_ is not None and not _text(sym.class_, _CLASS):
        return "class must be two digits 01-99"
    if sym.subclass is not None and not _text(sym.subclass, _SUBCLASS):
        return "subclass must be one letter A-Z"
    mg = sym.main_group
    if mg is not None and not (type(mg) is int and 1 <= mg <= 9999):
        return "main group must be a number 1-9999"
    if sym.subgroup is not None and not _text(sym.subgroup, _SUBGROUP):
        return "subgroup must be 2-6 digits, without trailing zeros beyond the second"
    return None


_CLASS = re.compile(r"0[1-9]|[1-9][0-9]")
_SUBCLASS = re.compile(r"[A-Z]")
_SUBGROUP = re.compile(r"[0-9]{2}|[0-9]{3,6}(?<!0)")


def _text(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _fail(text: str, reason: str) -> NoReturn:
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise ClassificationError(
        f"{shown!r} is not an IPC/CPC classification symbol ({reason}); {_ACCEPTED}"
    )
