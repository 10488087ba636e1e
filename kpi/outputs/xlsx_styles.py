"""Cell styles given by copy: openpyxl looks a style object up in the workbook's style lists on
every assignment (hashing it field by field), a third of the time to build a template."""

from __future__ import annotations

from copy import copy


class CellStyles:
    """Per workbook: the first cell given a combination of styles looks them up, later cells
    copy its style record."""

    def __init__(self) -> None:
        self._records: dict[tuple, tuple] = {}

    def apply(self, cell, **styles) -> None:
        """Set `styles` (font=, fill=, border=, alignment=, protection=, number_format=) on a
        cell that has no style yet."""
        key = tuple((name, id(value)) for name, value in styles.items())
        found = self._records.get(key)
        if found is None:
            for name, value in styles.items():
                setattr(cell, name, value)
            # The values are kept with the record: while they live, their ids name only them.
            self._records[key] = (copy(cell._style), tuple(styles.values()))
        else:
            cell._style = copy(found[0])
