"""Errors the user fixes, and how their messages name an option.

A library error must make sense to whoever called the library: a Python caller has no ``--encoding`` flag,
and a command-line user has no ``encoding=`` argument. So messages name options with ``opt(name, value)``,
and the error renders them for its reader: ``str(error)`` the Python way (``encoding='latin-1'``), and
``for_cli()`` as the command line's flag (``--encoding latin-1``), which is what the CLI prints."""
from __future__ import annotations

import re
import shlex

# option -> (command-line form, Python form); {v} is the value, quoted as each side needs
OPTIONS = {
    "encoding": ("--encoding {v}", "encoding={v!r}"),
    "text_column": ("--text-column {v}", "columns=ColumnMapping(text=({v!r},))"),
    "id_column": ("--id-column {v}", "columns=ColumnMapping(id={v!r})"),
    "device": ("--device {v}", "Embedder(device={v!r})"),
    "backend": ("--backend {v}", "Embedder(backend={v!r})"),
    "speed": ("--speed {v}", "Embedder(speed={v!r})"),
    "config": ("--config {v}", "config={v!r}"),
    "model": ("--model {v}", "model={v!r}"),
    "segment_by": ("--segment-by {v}", "segment_by={v!r}"),
    "engine": ("--engine {v}", "BatchOptions(engine={v!r})"),
    "cluster_on": ("--cluster {v}", "cluster_on={v!r}"),
    "out": ("--out {v}", "out_dir={v!r}"),
}
_TOKEN = re.compile("\x1e([a-z_]+)\x1f([^\x1e]*)\x1e")


def opt(name: str, value: str = "") -> str:
    """An option named in a message, rendered by the error for its reader (``UserError``)."""
    if name not in OPTIONS:
        raise KeyError(f"unknown option {name!r}: add it to errors.OPTIONS")
    return f"\x1e{name}\x1f{value}\x1e"


def render(message: str, cli: bool) -> str:
    """``message`` with each ``opt(...)`` written as a command-line flag (``cli``) or a Python argument."""
    def one(m: re.Match) -> str:
        cli_form, py_form = OPTIONS[m.group(1)]
        value = m.group(2) or m.group(1).upper()
        if cli:
            return cli_form.format(v=shlex.quote(value) if m.group(2) else value)
        return py_form.replace("{v!r}", repr(value) if m.group(2) else "...").format(v=value)

    return _TOKEN.sub(one, message)


class UserError(ValueError):
    """Bad input, config or option: something the user fixes. The message says how, in the reader's terms."""

    def __str__(self) -> str:
        return render(super().__str__(), cli=False)

    def for_cli(self) -> str:
        return render(super().__str__(), cli=True)

    @property
    def raw(self) -> str:
        """The message with its options unrendered: what a wrapping error puts in its own message."""
        return super().__str__()


def both(name: str, value: str = "") -> str:
    """An option in both forms, for messages that have no single reader (warnings kept in run.json)."""
    token = opt(name, value)
    return f"{render(token, cli=False)} (command line: {render(token, cli=True)})"
