"""passport: digital product passports (UNTP DPP, W3C VC 2.0) from the graph; signing and verifying."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import PassportError, UsageError
from ..files import atomic_write, removed_on_failure
from ..rdf.vocab import LS
from . import FindingsExit, main, note_if_stale, progress, store_options
from .params import IsoDate


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PassportError(f"{path}: cannot read it: {e.strerror or e}") from None
    except ValueError as e:
        raise PassportError(f"{path}: not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise PassportError(f"{path}: a passport is a JSON object")
    return doc


def _verify_file(path: Path, schema_file: Path | None) -> None:
    """--verify: the signature (and with --schema the schema) of a passport file; exit 1 when it fails."""
    from ..passport import load_schema, schema_errors, verify

    doc = _read_json(path)
    failed = False
    if schema_file is not None:
        errors = schema_errors(doc, load_schema(schema_file))
        for e in errors:
            click.echo(f"schema: {e}", err=True)
        click.echo(f"{path}: {'validates' if not errors else f'does NOT validate ({len(errors)} errors)'} "
                   f"against {schema_file}")
        failed = bool(errors)
    result = verify(doc)
    if result.verified:
        click.echo(f"{path}: signature verified ({doc['proof'].get('cryptosuite')}, {result.verification_method})")
    else:
        click.echo(f"{path}: signature does NOT verify: {result.reason}")
        failed = True
    if failed:
        raise FindingsExit()


@main.command("passport")
@click.argument("product_id", required=False)
@click.option("--all", "all_products", is_flag=True,
              help="A passport for every product, into the folder -o names (<id>.jsonld and <id>.html).")
@store_options(default_to_current=False)  # --verify needs no store; open_store finds the current one
@click.option("--format", "fmt", type=click.Choice(["jsonld", "html"]), default=None,
              help="jsonld (the credential) or html (a page of the same figures) [default: from the -o suffix, "
                   "else jsonld; with --all both].")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Output file [default: stdout]; with --all, the output folder (required).")
@click.option("--key", type=click.Path(path_type=Path), metavar="KEYFILE",
              help="Sign with this Ed25519 private key (PEM; make one with 'openssl genpkey -algorithm ed25519 "
                   "-out key.pem'): a Data Integrity proof, cryptosuite eddsa-jcs-2022, issuer = the key's did:key.")
@click.option("--issuer", metavar="DID", help="Issuer DID [default: the key's did:key, else a did:web of the "
                                               "manufacturer's loopsource IRI].")
@click.option("--schema", "schema_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Check every passport against this JSON Schema (e.g. the UNTP DPP schema) before writing; "
                   "exit 1 and write nothing when one does not validate. Nothing is fetched.")
@click.option("--as-of", type=IsoDate(), default=None,
              help="Date of the conformity claims (rules in force on it) and validFrom [default: the date "
                   "the store records ('run'), else today].")
@click.option("--factors", type=click.Path(path_type=Path), default=None,
              help="YAML file of transport emission factors (g CO2e per tonne-km per mode) overriding the defaults.")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML) of the conformity claims and the Battery Pass recycled content: "
                   "dates of pending EU acts, evidence rules; see docs/compliance.md.")
@click.option("--verify", "verify_file", type=click.Path(path_type=Path), metavar="PASSPORT",
              help="Verify the signature of a passport file (and with --schema its schema) instead; exit 1 when "
                   "it does not verify. Needs no store.")
def passport_cmd(product_id: str | None, all_products: bool, store: Path | None, endpoint: str | None,
                 update_endpoint: str | None, timeout: float, fmt: str | None, output: Path | None,
                 key: Path | None, issuer: str | None, schema_file: Path | None, as_of: Any,
                 factors: Path | None, settings_file: Path | None, verify_file: Path | None) -> None:
    """A digital product passport of PRODUCT_ID (or of every product with --all): UNTP DPP JSON-LD in a
    W3C Verifiable Credential 2.0, or a page of the same figures.

    Identity, manufacturer and plant; materials provenance (mass fractions, supplier countries,
    recycled shares and their evidence); circularity (recycled content, the Ellen MacArthur
    Foundation's MCI, recyclable content); inbound transport emissions; conformity claims from
    validation on --as-of; Battery Pass recycled content for EV, LMT and industrial (> 2 kWh)
    batteries. docs/passport.md maps every field to its source. The store is only read.
    """
    if verify_file is not None:
        if product_id or all_products:
            raise UsageError("--verify checks a passport file: give no PRODUCT_ID and no --all")
        _verify_file(verify_file, schema_file)
        return
    if bool(product_id) == all_products:
        raise UsageError("give a PRODUCT_ID or --all (one of them)")
    if all_products and output is None:
        raise UsageError("--all writes a file per product: give the output folder with -o FOLDER")
    if all_products and output is not None and output.exists() and not output.is_dir():
        raise UsageError(f"-o {output}: exists and is not a folder")
    _make(product_id, output, fmt, key, issuer, schema_file, as_of, factors, settings_file, store, endpoint,
          update_endpoint, timeout)


def _make(product_id: str | None, output: Path | None, fmt: str | None, key_file: Path | None, issuer: str | None,
          schema_file: Path | None, as_of: Any, factors: Path | None, settings_file: Path | None,
          store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float) -> None:
    from ..passport import build_passports, check_product, load_private_key, load_schema, product_ids, read_inputs
    from ..passport import schema_errors
    from ..render.passport import passport_files
    from ..scenario import load_factors
    from ..store import open_store
    from ..validate.context import resolve_context
    from ..validate.settings import load_settings

    # Everything that needs no store is checked first.
    if issuer is not None and not issuer.startswith("did:"):
        raise UsageError(f"--issuer {issuer!r} is not a DID (did:method:...)")
    key = load_private_key(key_file) if key_file is not None else None
    schema = load_schema(schema_file) if schema_file is not None else None
    emission_factors = load_factors(factors)
    load_settings(settings_file)  # a bad settings file is reported before the store is opened
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    try:
        # the store's recorded as-of date and settings ('run') unless given: the claims agree with validate
        ctx = resolve_context(gs, as_of=as_of, settings=settings_file)
        note_if_stale(gs, "the passport")
        progress(f"reading {gs.description} and validating on {ctx.as_of} ({ctx.as_of_source}) ...")
        inputs = read_inputs(gs, as_of=ctx.as_of, settings=ctx.settings)
    finally:
        gs.close()
    products = product_ids(inputs) if product_id is None else [product_id]
    if not products:
        raise UsageError("the graph has no products (products.csv)")
    for pid in products:
        check_product(inputs, pid)
    docs = build_passports(inputs, products, emission_factors, issuer_id=issuer, key=key)
    if schema is not None:
        bad = 0
        for pid, doc in docs.items():
            errors = schema_errors(doc, schema)
            bad += bool(errors)
            for e in errors:
                click.echo(f"schema: passport of {pid}: {e}", err=True)
        if bad:
            click.echo(f"{bad} passport(s) do not validate against {schema_file}; nothing was written.", err=True)
            raise FindingsExit()
        progress(f"{len(docs)} passport(s) validate against {schema_file}")
    if product_id is None:
        formats = (fmt,) if fmt else ("jsonld", "html")
    else:
        formats = (fmt or ("html" if output is not None and output.suffix.lower() in (".html", ".htm") else "jsonld"),)
    for pid, doc in docs.items():
        cs = doc["credentialSubject"]
        claims = cs["conformityClaim"]
        fails = sum(1 for c in claims if c.get(LS + "conformance") == "fail")
        unknown = sum(1 for m in cs["materialsProvenance"] if "originCountry" not in m)
        progress(f"  {pid}: {len(cs['materialsProvenance'])} provenance rows ({unknown} of unknown origin), "
                 f"{len(claims)} claim{'s' if len(claims) != 1 else ''} ({fails} fail)"
                 f"{', signed' if 'proof' in doc else ''}")
    _write(passport_files(docs, formats), product_id, output)


def _write(files: dict[str, str], product_id: str | None, output: Path | None) -> None:
    if product_id is None:
        assert output is not None
        with removed_on_failure(output):  # a folder made here is removed again when a write fails
            for name, text in files.items():
                atomic_write(output / name, text)
        progress(f"wrote {len(files)} files for {len({n.rsplit('.', 1)[0] for n in files})} products into {output}")
        return
    (text,) = files.values()
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)
        progress(f"wrote {output}")
