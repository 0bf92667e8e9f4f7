"""Click parameter types: a bad option value is a usage error (exit 2) when the command line is
parsed, naming the option, before any store is opened or any work is done.

This module imports only click and the standard library (the query types import the query
catalogue when they convert a value), so every command module can use it without paying for
another stage's libraries at start-up.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
from click.shell_completion import CompletionItem


from ..errors import did_you_mean  # noqa: E402 (re-exported: the one suggestion rule)


class IsoDate(click.ParamType):
    """An ISO 8601 calendar date (YYYY-MM-DD), converted to ``datetime.date``."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)", param, ctx)


class NameChoice(click.ParamType):
    """One of a fixed set of names (e.g. validation profiles); a near miss gets a suggestion.

    Unlike ``click.Choice`` the error names what the value should be (``kind``), suggests the
    closest name and says which command lists them with their descriptions.
    """

    def __init__(self, names: Iterable[str], kind: str, listed_by: str) -> None:
        self.names = tuple(names)
        self.kind = kind
        self.listed_by = listed_by
        self.name = kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value in self.names:
            return str(value)
        self.fail(f"unknown {self.kind} {value!r}{did_you_mean(str(value), self.names)} "
                  f"(one of {', '.join(self.names)}; see '{self.listed_by}')", param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(n) for n in self.names if n.startswith(incomplete)]


class ProfileName(NameChoice):
    """A validation profile name. The names come from the caller (``loopsource.validate.PROFILES``)
    so that this module does not import the validation stage."""

    def __init__(self, profiles: Iterable[str]) -> None:
        super().__init__(profiles, "profile", "loopsource profiles")


@dataclass(frozen=True)
class Address:
    """``HOST:PORT`` as given (``text`` goes to the server unchanged), split for the URL we print.

    ``host`` is without the brackets of an IPv6 literal (``[::1]:7878`` -> ``::1``).
    """

    text: str
    host: str
    port: str


class HostPort(click.ParamType):
    """``HOST:PORT`` for a server to listen on, e.g. ``127.0.0.1:7878`` or ``[::1]:7878``."""

    name = "host:port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Address:
        if isinstance(value, Address):
            return value
        text = str(value)
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit() or not host:
            self.fail(f"{text!r}: expected HOST:PORT, e.g. 127.0.0.1:7878", param, ctx)
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        return Address(text, host, port)


def query_of(ctx: click.Context | None, name: str) -> Any:
    """The query ``name`` (a catalogue name or a .rq file), resolved once per command line.

    Raises the library's error when it does not resolve; the command reports that as usual.
    """
    from ..query import resolve

    memo = ctx.meta.setdefault("loopsource.queries", {}) if ctx is not None else {}
    if name not in memo:
        memo[name] = resolve(name)
    return memo[name]


class QueryParam(click.Tuple):
    """``-p NAME VALUE``: a parameter of the query named by the command's ``name`` argument,
    with a value of the parameter's declared type.

    The command's ``name`` argument must be eager (processed before this option, wherever it is
    written on the line) so that the query is known here. When the query itself cannot be read,
    the value is passed on unchecked and the command reports the query's error.
    """

    name = "name value"

    def __init__(self) -> None:
        super().__init__([str, str])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        from ..errors import LoopsourceError
        from ..query import to_term

        pname, text = super().convert(value, param, ctx)
        query_name = ctx.params.get("name") if ctx is not None else None
        if not query_name:
            return pname, text
        try:
            query = query_of(ctx, query_name)
        except LoopsourceError:
            return pname, text  # the command reports why the query cannot be read
        if query.form == "UPDATE":
            return pname, text  # the command says that an update takes no parameters
        declared = query.param(pname)
        if declared is None:
            names = [p.name for p in query.params]
            self.fail(f"query {query.name!r} has no parameter {pname!r}{did_you_mean(pname, names)} "
                      f"(parameters: {', '.join(names) or 'none'})", param, ctx)
        try:
            to_term(declared, text)
        except LoopsourceError as e:
            self.fail(str(e), param, ctx)
        return pname, text


def period_options(f: Any) -> Any:
    """--year / --from / --to (loopsource.period, the one definition of a report's period), for
    run and report. The command receives ``year``, ``date_from`` and ``date_to``."""
    f = click.option("--to", "date_to", type=IsoDate(), metavar="DATE",
                     help="Only purchases and loops dated on or before DATE (YYYY-MM-DD).")(f)
    f = click.option("--from", "date_from", type=IsoDate(), metavar="DATE",
                     help="Only purchases and loops dated on or after DATE (YYYY-MM-DD).")(f)
    f = click.option("--year", type=click.IntRange(1, 9999), metavar="YYYY",
                     help="Only purchases and loops dated in this calendar year (not with --from/--to).")(f)
    return f
