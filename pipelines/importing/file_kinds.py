"""Which files the importer takes, by name: the one list of suffixes.

The landing folder, the bucket and uploads from the app all ask here, so a
new format is added in one place.
"""

IMPORTABLE_SUFFIXES = (".csv", ".csv.gz", ".xlsx")
# What the app's file picker offers (Streamlit matches the last suffix only).
UPLOAD_TYPES = ("csv", "gz", "xlsx")
# Names that browsers, rsync and editors give files while still writing them.
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", "~")


def has_importable_suffix(name: str) -> bool:
    return name.lower().endswith(IMPORTABLE_SUFFIXES)


def is_importable(name: str) -> bool:
    """A file under this name is imported: importable suffix, not hidden, not being written."""
    lower = name.lower()
    return has_importable_suffix(lower) and not lower.startswith((".", "~")) and not lower.endswith(TEMPORARY_SUFFIXES)
