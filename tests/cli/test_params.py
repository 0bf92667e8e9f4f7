"""Parameter types (cli/params.py): a bad --as-of, --profile, -p or --bind value is a usage error
(exit 2) while the command line is parsed, naming the option; valid values mean what they did.

"Parsed" is checked by pointing --store at a folder that does not exist: a value checked at parse
time is reported instead of the missing store, which the command would only find later.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.cli.params import Address, HostPort, IsoDate, ProfileName, QueryParam
from loopsource.validate import PROFILES


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    assert "Traceback" not in r.output
    return r.exit_code, r.stderr


@pytest.mark.parametrize(("args", "option", "message"), [
    (["validate", "--as-of", "tomorrow"], "'--as-of'", "'tomorrow' is not an ISO 8601 date (YYYY-MM-DD)"),
    (["validate", "--as-of", "2031-02-30"], "'--as-of'", "'2031-02-30' is not an ISO 8601 date"),
    (["validate", "--profile", "eu-crm"], "'--profile'", "unknown profile 'eu-crm'; did you mean 'eu-crma'?"),
    (["validate", "--profile", "eu-crma", "--profile", "nope"], "'--profile'", "unknown profile 'nope' (one of "),
    (["query", "hyperlocal-candidates", "-p", "km", "ten"], "'-p' / '--param'",
     "parameter 'km' (decimal): 'ten' is not a decimal number"),
    (["query", "-p", "km", "ten", "hyperlocal-candidates"], "'-p' / '--param'",  # -p before NAME on the line
     "parameter 'km' (decimal): 'ten' is not a decimal number"),
    (["query", "hyperlocal-candidates", "-p", "kms", "10"], "'-p' / '--param'",
     "query 'hyperlocal-candidates' has no parameter 'kms'; did you mean 'km'? (parameters: km, plant)"),
    (["query", "circular-inflow", "-p", "by", "colour"], "'-p' / '--param'",
     "parameter 'by' (string): 'colour' is not one of material, supplier, plant"),
    (["query", "supply-exposure", "-p", "region", "not an iri"], "'-p' / '--param'", "is not an absolute IRI"),
    (["query", "single-source-materials", "-p", "x", "1"], "'-p' / '--param'",
     "query 'single-source-materials' has no parameter 'x' (parameters: none)"),
])
def test_bad_values_are_usage_errors_at_parse_time(tmp_path: Path, args: list[str], option: str,
                                                   message: str) -> None:
    code, err = invoke(*args, "--store", str(tmp_path / "no-store-here"))
    assert code == 2, err
    assert f"Invalid value for {option}" in err and message in err, err
    assert "no-store-here" not in err  # reported before the store is looked at


@pytest.mark.parametrize("value", ["7878", "localhost", "127.0.0.1:", ":7878", "127.0.0.1:http"])
def test_serve_bind_is_host_colon_port(tmp_path: Path, value: str) -> None:
    code, err = invoke("serve", "--store", str(tmp_path / "no-store-here"), "--bind", value)
    assert code == 2
    assert "Invalid value for '--bind'" in err and "expected HOST:PORT, e.g. 127.0.0.1:7878" in err, err
    assert "no-store-here" not in err


def test_valid_values_convert_as_before() -> None:
    assert IsoDate().convert("2031-08-18", None, None) == date(2031, 8, 18)
    assert HostPort().convert("127.0.0.1:7878", None, None) == Address("127.0.0.1:7878", "127.0.0.1", "7878")
    # an IPv6 literal goes to the server as written; the URL we print brackets the bare host again
    assert HostPort().convert("[::1]:7878", None, None) == Address("[::1]:7878", "::1", "7878")
    for name in PROFILES:
        assert ProfileName(PROFILES).convert(name, None, None) == name
    # without a query to check against (no NAME), -p is a plain pair of strings
    assert QueryParam().convert(("km", "ten"), None, None) == ("km", "ten")
    with pytest.raises(click.BadParameter):
        IsoDate().convert("18/08/2031", None, None)


def test_profile_policy_without_a_policy_file_is_accepted_with_a_warning(mini_dir: Path, build_store) -> None:
    """'--profile policy' needs --policy FILE for rules; without one it runs no rules and says so
    (a warning, as before the parameter types: a valid name is not refused)."""
    store = build_store(mini_dir).root
    r = CliRunner().invoke(main, ["validate", "--store", str(store), "--profile", "policy"])
    assert r.exit_code == 0, r.output
    assert "profile 'policy' has no rules: give a policy file with --policy" in r.stderr


def test_query_param_checks_run_after_the_query_is_found(tmp_path: Path, mini_dir: Path, build_store) -> None:
    """An unknown query or an update file is reported by the command as before, not as a -p error."""
    code, err = invoke("query", "no-such-query", "-p", "x", "1", "--store", str(tmp_path))
    assert code == 2 and "unknown query 'no-such-query'" in err and "--param" not in err, err
    update = tmp_path / "add.ru"
    update.write_text('INSERT DATA { <urn:a> <urn:b> "c" }', encoding="utf-8")
    store = build_store(mini_dir, reason=False).root
    code, err = invoke("query", str(update), "--update", "-p", "x", "1", "--store", str(store))
    assert code == 2 and "parameters cannot be bound into a SPARQL Update" in err, err
