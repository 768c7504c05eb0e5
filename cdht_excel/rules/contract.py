"""The workbook contract (PRODUCT §5) in one neutral place: what the template writer
promises and what the reader relies on.

Column keys, the fixed rows of a unit sheet, the names of our sheets and defined names,
the stamp's constants. Both `template` (writer) and `read` (reader) import it; neither
imports the other. Pure: no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from cdht_excel.text import sheet_title

# --- sheets ------------------------------------------------------------------------
INSTRUCTIONS_SHEET = "Hướng dẫn"
META_SHEET = "_cdht"                 # hidden key/value sheet of a template (the stamp in full)
RESULT_SHEET = "_cdht_result"        # hidden key/value sheet of a summary workbook (the report JSON)

# --- the stamp -----------------------------------------------------------------------
SCHEMA = "cdht-template/1"
PLAN_SCHEMA = "cdht-plan/1"          # hidden sheet of a plan workbook
SUMMARY_SCHEMA = "cdht-summary/1"    # hidden sheet of a summary workbook (merge output)
CHECK_FORM_SCHEMA = "cdht-check-form/1"   # hidden sheet of the level above's check form (district)
OTHER_SCHEMAS = (PLAN_SCHEMA, SUMMARY_SCHEMA, CHECK_FORM_SCHEMA)
DISTRICT_SCHEMA = "cdht-district/1"  # the district JSON (`cdht district --json`)
STAMP_PREFIX = "CDHT|1|"             # cell A1 of every unit sheet
CHUNK = 4000                         # characters per JSON cell (Excel allows 32,767)
KEY_COL_MARK = "#cols"               # first cell of the hidden column-keys row

# --- a unit sheet ------------------------------------------------------------------
# Column keys (row KEYS_ROW, hidden) let the reader find columns even if names are lost.
COLUMNS = ["KEY", "ID", "TITLE", "REQ", "VALUE", "EVIDENCE", "NOTE", "CALC"]
COL = {key: i for i, key in enumerate(COLUMNS)}
FIELD_COLUMN = {"EVIDENCE": COL["EVIDENCE"], "NOTE": COL["NOTE"]}   # every other field: VALUE
PERSON_ROW, NOTE_ROW, KEYS_ROW, HEADER_ROW, FIRST_ITEM_ROW = 6, 7, 8, 9, 10   # 0-based
PERSON_COL = 3

# --- defined names -----------------------------------------------------------------
NAME_PREFIX = "CDHT_"
META_NAME = "CDHT_META"


def item_key(item_id: str) -> str:
    """The item part of a defined name and of the hidden key column: '5.2' -> 'C5_2'."""
    return "C" + item_id.replace(".", "_")


def field_name(key: str, field_code: str) -> str:
    """'C5_2', 'BASE' -> 'CDHT_C5_2_BASE'."""
    return f"{NAME_PREFIX}{key}_{field_code}"


def unit_key(unit_id: str) -> str:
    """'van-phong' -> 'VAN_PHONG' (in CDHT_UNIT_<key> names)."""
    return unit_id.replace("-", "_").upper()


def unit_name(unit_id: str) -> str:
    return f"{NAME_PREFIX}UNIT_{unit_key(unit_id)}"


def person_name(unit_id: str) -> str:
    return unit_name(unit_id) + "_PERSON"


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> 'E11'."""
    letters, col = "", col + 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def col_index(letters: str) -> int:
    """'E' -> 4 (0-based)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class _NamedUnit(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def sheet(self) -> str: ...


def unit_sheet_names(units: Iterable[_NamedUnit]) -> dict[str, str]:
    """The sheet name of each unit (unit id -> name): valid, unique, never one of ours."""
    taken: set[str] = {INSTRUCTIONS_SHEET, META_SHEET}
    names = {}
    for unit in units:
        names[unit.id] = sheet_title(unit.sheet or unit.name, taken)
        taken.add(names[unit.id])
    return names
