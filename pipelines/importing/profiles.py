"""Saved column mappings ("profiles"), one JSON file each in PROFILES_DIR.

A profile is `data/profiles/<name>.json` (PROFILES_DIR):

    {"columns": {"sku": "Item No.", "name": "Title", "price": "Net price"},
     "sheet": "Products"}

`columns` maps product fields (sku, name, description, price) to header
names of the files it is for; fields left out are found by their usual
names. `sheet` picks an Excel workbook's sheet (default: the first). A file
dropped in `landing/<name>/` is imported with profile `<name>`; without such
a profile it is read like a file at the top of the landing folder. The
app's mapping step saves profiles here too.
"""

import json
import os
import re
from pathlib import Path

from pipelines.importing.columns import Mapping
from pipelines.importing.csv_records import FileRefused, shorten
from pipelines.settings import profiles_dir

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def valid_profile_name(name: str) -> bool:
    return bool(_NAME.match(name)) and not name.endswith(".")


def _path(name: str) -> Path:
    if not valid_profile_name(name):
        raise ValueError(
            f"'{shorten(name, 60)}' is not a profile name: use letters, digits, '.', '-' and '_' (64 at most)."
        )
    return profiles_dir() / f"{name}.json"


def save_profile(name: str, mapping: Mapping) -> Path:
    """Write the profile atomically (a half-written profile is never read)."""
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    body = {"columns": dict(mapping.columns)} | ({"sheet": mapping.sheet} if mapping.sheet else {})
    temporary.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)
    return path


def load_profile(name: str) -> Mapping | None:
    """The profile's mapping, None if there is no such profile; FileRefused if it is broken."""
    path = _path(name)
    if not path.is_file():
        return None
    try:
        body = json.loads(path.read_text())
        if not isinstance(body, dict) or not isinstance(body.get("columns", {}), dict):
            raise ValueError("expected an object with a 'columns' object")
        return Mapping.from_json({**body, "profile": name})
    except (ValueError, UnicodeDecodeError) as error:
        raise FileRefused(f"Profile '{name}' ({path}) cannot be read: {shorten(str(error))}") from None


def list_profiles() -> list[str]:
    folder = profiles_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if valid_profile_name(p.stem))


def mapping_for(chosen: dict | None, path: Path, landing: Path) -> Mapping:
    """The mapping an import uses: the one chosen for it (imports.mapping), else
    its landing subfolder's profile, else none (the header is recognized)."""
    if chosen:
        return Mapping.from_json(chosen)
    if name := profile_of(path, landing):
        return load_profile(name) or Mapping()
    return Mapping()


def profile_of(path: Path, landing: Path) -> str:
    """The profile a landing file is for: its subfolder's name ('' at the top)."""
    try:
        parts = Path(path).relative_to(landing).parts
    except ValueError:
        return ""
    return parts[0] if len(parts) == 2 and valid_profile_name(parts[0]) else ""


def chosen_mapping(profile: str = "", pairs: list[str] | tuple = (), sheet: str = "") -> Mapping | None:
    """The columns a user chose by name (the CLI's and the API's --profile, --map
    FIELD=HEADER, --sheet): a profile, overridden field by field. None: recognize
    the header. ValueError (FileRefused for a broken profile) names the problem."""
    base = Mapping()
    if profile:
        base = load_profile(profile)
        if base is None:
            raise ValueError(f"there is no profile '{shorten(profile, 60)}' (see README, Column mapping)")
    columns = dict(base.columns)
    for given in pairs:
        product_field, separator, header_name = given.partition("=")
        if not separator or not header_name.strip():
            raise ValueError(f'map {shorten(given, 60)!r}: write FIELD=HEADER, e.g. sku="Item No."')
        columns[product_field.strip().lower()] = header_name.strip()
    mapping = Mapping(columns=columns, sheet=sheet or base.sheet, profile=base.profile if not pairs else "")
    return None if mapping.empty else mapping
