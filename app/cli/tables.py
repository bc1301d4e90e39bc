"""Tables that never cut a value: what CI logs (no terminal, 80 columns) need.

Rich shrinks a table that is wider than the console by cutting cells ("5,023,50…",
"virtio-b…"). ``print_table`` prints a built ``rich.table.Table`` in one of two ways:

- on a terminal wide enough for the whole table, as the table (columns set to fold, should a
  cell still not fit);
- otherwise (a narrow terminal, a pipe, a file, a CI log), as plain lines, one per row,
  ``first-cell: header value, header value, ...``, which are never wrapped or shortened, so a
  device name or a byte count can be grepped out of a log as it was printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

F = TypeVar("F", bound=Callable[..., Any])


def format_option(what: str) -> Callable[[F], F]:
    """``--format text|json``, the same on every command that prints a result."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=f"Standard output: {what}.",
    )


def log_safe(console: Console) -> Console:
    """``console`` with soft wrapping when it is not a terminal: a line longer than the width
    stays one line instead of being broken (or a long word folded) at column 80."""
    console.soft_wrap = not console.is_terminal
    return console


def print_table(table: Table, console: Console) -> None:
    if console.is_terminal and _natural_width(table, console) <= console.width:
        for column in table.columns:
            column.overflow = "fold"
            column.no_wrap = False
        console.print(table)
        return
    for line in plain_lines(table):
        console.print(line, soft_wrap=True, highlight=False)


def _natural_width(table: Table, console: Console) -> int:
    """How wide the table is when nothing has to shrink."""
    unbounded = console.options.update_width(1 << 16)
    return console.measure(table, options=unbounded).maximum


def plain_lines(table: Table) -> list[Text]:
    """The table as ``title:`` and one line per row (styles kept, never wrapped)."""
    columns = table.columns
    cells = [[_text(cell) for cell in column.cells] for column in columns]
    lines = [Text(f"{table.title}:")] if table.title else []
    for row in range(table.row_count):
        line = Text("  ")
        line.append_text(cells[0][row])
        line.append(":")
        for column, values in zip(columns[1:], cells[1:], strict=True):
            if not values[row].plain:
                continue  # an empty cell (a finding without lines) says nothing
            line.append(f" {_text(column.header).plain} ")
            line.append_text(values[row])
            line.append(",")
        line.rstrip()
        if line.plain.endswith(","):
            line.right_crop(1)
        lines.append(line)
    return lines


def _text(cell: object) -> Text:
    if isinstance(cell, Text):
        return cell
    return Text.from_markup(str(cell))
