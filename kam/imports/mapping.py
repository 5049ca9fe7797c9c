"""Which column of the file goes to which column of the table.

Headers are recognised through the names, labels and aliases declared with the
schema. A mapping the user corrected can be saved under a name; it is kept as a
small JSON file in the data folder (written whole to a temporary file, then
renamed over the old one) and offered again for a file with the same headers.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from pathlib import Path

from kam.store.place import place, write_whole
from kam.store.schema import TABLES, Column, Table

# Not a column of the table: the name given to a customer the import creates.
CUSTOMER_NAME = "customer_name"
# The column the rejected-rows file adds; ignored when that file comes back fixed.
PROBLEM_HEADER = "导入问题 (import problems)"
MAPPINGS_FOLDER = ".mappings"


def header_key(text: str) -> str:
    key = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s_\-*:#.'\"/]+", "", key)


def _bare(key: str) -> str:
    """The header without a unit in brackets: 金额(元) -> 金额."""
    return re.sub(r"[(\[【].*?[)\]】]", "", key)


def targets(table: Table) -> tuple[Column, ...]:
    if "customer_id" in table.names and table.name != "customers":
        name = TABLES["customers"].column("name")
        return table.columns + (dataclasses.replace(name, name=CUSTOMER_NAME, required=False),)
    return table.columns


def _keys(col: Column) -> tuple[set[str], set[str]]:
    return {header_key(n) for n in (col.name, col.zh, col.en)}, {header_key(a) for a in col.aliases}


KNOWN_HEADERS = frozenset(k for t in TABLES.values() for c in targets(t) for keys in _keys(c) for k in keys)


def auto_map(table: Table, headers: list[str]) -> dict[str, str | None]:
    """Each header's target column, or None; a label beats an alias, an earlier header a later one."""
    candidates = []
    for position, header in enumerate(headers):
        key = header_key(header)
        for order, col in enumerate(targets(table)):
            labels, aliases = _keys(col)
            for rank, names in enumerate((labels, aliases)):
                if key in names:
                    candidates.append((rank, position, order, header, col.name))
                elif _bare(key) in names:
                    candidates.append((rank + 2, position, order, header, col.name))
    mapping: dict[str, str | None] = {h: None for h in headers}
    taken = set()
    for *_, header, target in sorted(candidates):
        if mapping[header] is None and target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


@dataclasses.dataclass(frozen=True)
class SavedMapping:
    name: str
    table: str
    headers: tuple[str, ...]
    columns: dict  # header -> target column or None

    def fits(self, table: str, headers) -> bool:
        return self.table == table and _header_set(self.headers) == _header_set(headers)


def _header_set(headers) -> frozenset[str]:
    return frozenset(h.strip() for h in headers if h.strip() and h != PROBLEM_HEADER)


def _folder(root) -> Path:
    return place(root) / MAPPINGS_FOLDER


def _file(root, name: str) -> Path:
    slug = re.sub(r"[^\w\-]+", "_", name)[:40]
    return _folder(root) / f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}.json"


def save(root, saved: SavedMapping) -> None:
    write_whole(_file(root, saved.name), json.dumps(dataclasses.asdict(saved), ensure_ascii=False, indent=1))


def saved(root, table: str | None = None) -> list[SavedMapping]:
    found = []
    for path in sorted(_folder(root).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["headers"] = tuple(data["headers"])
        found.append(SavedMapping(**data))
    return [m for m in found if table is None or m.table == table]


def load(root, name: str) -> SavedMapping:
    path = _file(root, name)
    if not path.exists():
        names = ", ".join(m.name for m in saved(root)) or "none"
        raise KeyError(f"no saved mapping {name!r}; saved mappings: {names}")
    data = json.loads(path.read_text(encoding="utf-8"))
    return SavedMapping(**{**data, "headers": tuple(data["headers"])})


def matching(root, table: str, headers) -> list[SavedMapping]:
    return [m for m in saved(root, table) if m.fits(table, headers)]
