"""fleetplan's exceptions.

Every error fleetplan raises derives from :class:`FleetplanError`:

* :class:`ScenarioError` — an input file (scenario, catalog override, validation cases) has
  problems; ``.diagnostics`` lists each with its file, line, column, message and help, the
  same locations ``fleetplan check`` prints.
* :class:`UnknownIdError` — an id (chip, model, region, rule, engine ...) the catalog does not
  hold; ``.suggestion`` is the closest known id.
* :class:`InputError` — an argument value out of range, or a request the engines refuse.
* :class:`ReadError` — a file that cannot be read (an :class:`OSError`).
* :class:`InternalError` — a bug in fleetplan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List, Optional, Tuple


class FleetplanError(Exception):
    """Base class of fleetplan's errors."""


class InputError(FleetplanError, ValueError):
    """A bad argument value, or a request the engines refuse (the CLI's exit code 2)."""


class UnknownIdError(InputError, LookupError):
    """An id the catalog does not hold.

    >>> try:
    ...     fleetplan.perf.infer(chip="h100-sxmm", model="llama-3.1-70b")
    ... except fleetplan.UnknownIdError as e:
    ...     print(e.suggestion)
    h100-sxm
    """

    def __init__(self, message: str, argument: str = "", kind: str = "", id: str = "",
                 suggestion: Optional[str] = None, known: Optional[List[str]] = None):
        super().__init__(message)
        #: The argument the id was given to, e.g. ``"chip"``.
        self.argument = argument
        #: What kind of entry was looked up (``"accelerator"``, ``"model"`` ...).
        self.kind = kind
        #: The id as given.
        self.id = id
        #: The closest known id, when one is plausibly meant.
        self.suggestion = suggestion
        #: Every known id of this kind.
        self.known = list(known or [])


class ReadError(FleetplanError, OSError):
    """A file that could not be read (missing, unreadable, not UTF-8, over 16 MiB)."""


class InternalError(FleetplanError, RuntimeError):
    """A bug in fleetplan (the CLI's exit code 1)."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one input text, located as ``fleetplan check`` locates it."""

    severity: str
    #: The input's name (the path as given).
    file: str
    #: Dotted path of the offending field, e.g. ``fleet[0].chip``.
    path: Optional[str]
    #: 1-based line of the problem.
    line: Optional[int]
    #: 1-based column, in characters.
    column: Optional[int]
    #: Byte span ``(start, end)`` in the input.
    span: Optional[Tuple[int, int]]
    message: str
    label: Optional[str]
    #: What would be valid (did-you-mean, the accepted range).
    help: Optional[str]

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.message}"
        return text + (f" (help: {self.help})" if self.help else "")


class ScenarioError(InputError):
    """An input file with problems.

    >>> try:
    ...     fleetplan.load_scenario("broken.toml")
    ... except fleetplan.ScenarioError as e:
    ...     for d in e.diagnostics:
    ...         print(d.line, d.column, d.message, d.help)
    """

    def __init__(self, message: str, file: str = "", diagnostics: Optional[List[Diagnostic]] = None,
                 rendered: str = ""):
        super().__init__(message)
        #: The input's name.
        self.file = file
        #: Every problem, located.
        self.diagnostics: List[Diagnostic] = list(diagnostics or [])
        #: The diagnostics as ``fleetplan check`` renders them (file:line:col, source line, caret).
        self.rendered = rendered

    def __str__(self) -> str:
        return self.rendered.rstrip() or super().__str__()


def _diagnostic(d: dict) -> Diagnostic:
    span = d.get("span")
    return Diagnostic(
        severity=d["severity"], file=d["file"], path=d.get("path"), line=d.get("line"),
        column=d.get("column"), span=tuple(span) if span else None, message=d["message"],
        label=d.get("label"), help=d.get("help"),
    )


def _make(kind: str, message: str, attrs: dict) -> Exception:
    """Called by the compiled module: the exception of ``kind`` with its data."""
    if kind == "scenario":
        diagnostics = [_diagnostic(d) for d in json.loads(attrs["diagnostics_json"])]
        return ScenarioError(message, attrs["file"], diagnostics, attrs["rendered"])
    if kind == "unknown":
        return UnknownIdError(message, **attrs)
    if kind == "read":
        err = ReadError(message)
        err.filename = attrs.get("filename")
        return err
    if kind == "internal":
        return InternalError(message)
    return InputError(message)
