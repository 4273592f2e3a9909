"""Which column of a file is which product field: a mapping, a platform, or names.

In order: columns a user named (a profile, `--map`, the app's mapping
step); else the first platform export (platforms.py) whose header this is;
else the header's own names and their usual spellings (ALIASES). Header
names are compared folded: case, spaces, dashes and underscores do not
matter, nor a byte-order mark.
"""

import re
from dataclasses import dataclass, field

from pipelines.catalog.product_rules import FIELDS, LABEL, REQUIRED
from pipelines.importing.csv_records import FileRefused, name_list, shorten
from pipelines.importing.platforms import PLATFORMS, Inherit, Platform, RowRule
from pipelines.settings import AkeneoColumns

# Header spellings accepted for each product field without a mapping.
ALIASES = {
    "sku": {"sku", "product sku", "sku code", "item sku", "product code", "item code", "article number", "part number"},
    "name": {"name", "product name", "product", "title", "product title", "item name"},
    "description": {"description", "product description", "desc", "details", "long description"},
    "price": {"price", "regular price", "variant price", "unit price", "retail price", "list price", "selling price"},
}
NAMED_COLUMNS = "columns named like product fields"
# The file the app offers as a template: every product field, one example row.
TEMPLATE_CSV = (
    "sku,name,description,price\n"
    'ABC-123,Example product,"A description; it may hold commas, ""quotes"" and line breaks",19.90\n'
)


def fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lstrip("\ufeff").lower()).strip()


_ALIAS_TO_FIELD = {fold(alias): column for column, aliases in ALIASES.items() for alias in aliases}


class HeaderNotRecognized(FileRefused):
    """No mapping was given and the header names no SKU or no name column.

    The app offers its mapping step for this instead of a refusal.
    """

    def __init__(self, message: str, header: list[str]):
        super().__init__(message)
        self.header = header


@dataclass(frozen=True)
class Mapping:
    """Columns a user chose for product fields, and for Excel the sheet."""

    columns: dict[str, str] = field(default_factory=dict)  # product field -> header name
    sheet: str = ""  # Excel: the sheet to read; empty: the first
    profile: str = ""  # the saved profile this came from, if any

    def __post_init__(self):
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"Unknown product field {', '.join(unknown)}: the fields are {', '.join(FIELDS)}.")

    @property
    def empty(self) -> bool:
        return not self.columns and not self.sheet

    def as_json(self) -> dict:
        return {"columns": dict(self.columns), "sheet": self.sheet, "profile": self.profile}

    @classmethod
    def from_json(cls, value: dict | None) -> "Mapping":
        value = value or {}
        return cls(
            columns={str(k): str(v) for k, v in (value.get("columns") or {}).items() if v},
            sheet=str(value.get("sheet") or ""),
            profile=str(value.get("profile") or ""),
        )

    def describe(self) -> str:
        return f"profile '{self.profile}'" if self.profile else "the columns chosen for this import"


@dataclass(frozen=True)
class Layout:
    """Where each product field is in the header, and the row rules that apply."""

    described_as: str  # what was recognized or applied, for the summary
    positions: dict[str, int]  # product field -> header position
    products_are: tuple[int, RowRule] | None = None
    inherit: tuple[int, Inherit] | None = None

    def wanted(self) -> list[int]:
        """Every header position the rows are read for."""
        extra = [rule[0] for rule in (self.products_are, self.inherit) if rule]
        return sorted({*self.positions.values(), *extra})

    def used(self, header: list[str]) -> dict[str, str]:
        """Product field -> the header name it is read from."""
        return {column: header[position] for column, position in self.positions.items()}

    def ignored(self, header: list[str]) -> list[str]:
        used = set(self.positions.values())
        return [name for index, name in enumerate(header) if index not in used]


def _index(header: list[str]) -> dict[str, int]:
    """Folded header name -> its first position."""
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        found.setdefault(fold(name), position)
    return found


def _platform_layout(platform: Platform, header: list[str], index: dict[str, int]) -> Layout:
    names = AkeneoColumns.from_env().__dict__
    positions = {}
    for column, candidates in platform.columns.items():
        for candidate in candidates:
            if (position := index.get(fold(candidate.format(**names)))) is not None:
                positions[column] = position
                break
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        wanted = " or ".join(f"'{c.format(**names)}'" for c in platform.columns[missing[0]])
        raise FileRefused(
            f"This looks like a {platform.name}, but it has no {wanted} column for the {LABEL[missing[0]]} "
            "(for Akeneo, AKENEO_LOCALE, AKENEO_CHANNEL and AKENEO_CURRENCY choose the columns)."
        )
    rule = platform.products_are
    inherit = platform.inherit
    return Layout(
        described_as=platform.name,
        positions=positions,
        products_are=(index[fold(rule.column)], rule) if rule and fold(rule.column) in index else None,
        inherit=(index[fold(inherit.group_by)], inherit) if inherit and fold(inherit.group_by) in index else None,
    )


def _named_positions(header: list[str], taken: set[int]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        column = _ALIAS_TO_FIELD.get(fold(raw))
        if column is None or index in taken:
            continue  # unknown columns are ignored
        if column in positions:
            first = header[positions[column]]
            raise FileRefused(
                f"Columns '{shorten(first, 60)}' and '{shorten(raw, 60)}' both mean '{column}'; keep one of them "
                "or choose one with a mapping."
            )
        positions[column] = index
    return positions


def guessed_columns(header: list[str]) -> dict[str, str]:
    """Product field -> the header name its usual spellings find (a mapping step's defaults)."""
    found: dict[str, str] = {}
    for name in header:
        column = _ALIAS_TO_FIELD.get(fold(name))
        if column and column not in found:
            found[column] = name
    return found


def resolve_layout(header: list[str], mapping: Mapping | None = None) -> Layout:
    """The layout of a file with this header; raises FileRefused (HeaderNotRecognized
    when a mapping would help)."""
    index = _index(header)
    mapping = mapping or Mapping()
    if mapping.columns:
        chosen: dict[str, int] = {}
        for column, name in mapping.columns.items():
            if (position := index.get(fold(name))) is None:
                raise FileRefused(
                    f"The mapping reads the {LABEL[column]} from a column '{shorten(name, 60)}', "
                    f"but the header has no such column (found {name_list(header)})."
                )
            chosen[column] = position
        named = _named_positions(header, set(chosen.values()))
        positions = chosen | {c: p for c, p in named.items() if c not in chosen}
        layout = Layout(described_as=mapping.describe(), positions=positions)
    else:
        platform = next((p for p in PLATFORMS if all(fold(n) in index for n in p.recognized_by)), None)
        if platform:
            return _platform_layout(platform, header, index)
        layout = Layout(described_as=NAMED_COLUMNS, positions=_named_positions(header, set()))
    missing = [c for c in REQUIRED if c not in layout.positions]
    if missing:
        message = (
            f"The header row has no {' and no '.join(LABEL[c] for c in missing)} column (found {name_list(header)}). "
            "Name the columns sku, name and optionally description and price, or say which column is which: "
            '`--map sku="Item No."`, a profile (a file in landing/<profile>/), or the app\'s mapping step.'
        )
        raise HeaderNotRecognized(message, header) if not mapping.columns else FileRefused(message)
    return layout
