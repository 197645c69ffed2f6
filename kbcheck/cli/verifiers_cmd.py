"""`kbcheck verifiers`: list the registered verifiers and what they need."""

from __future__ import annotations

import json

import typer

from kbcheck.cli import app


@app.command("verifiers")
def list_verifiers(
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    as_json: bool = typer.Option(False, "--json", hidden=True, help="Same as --format json."),
) -> None:
    """List every verifier: id, version, what it requires, its parameters and the (subject,
    predicate) pairs of claim frames it checks."""
    from kbcheck.cli._common import fail

    if fmt not in ("text", "json"):
        fail("verifiers", "--format must be text or json")
    as_json = as_json or fmt == "json"
    from verifiers import registry
    from verifiers._env import has_package

    rows = []
    for v in registry().values():
        missing = [p for p in v.requires.packages if not has_package(p)]
        rows.append({
            "id": v.id, "version": v.version, "title": v.title,
            "device": v.requires.device, "packages": list(v.requires.packages),
            "missing": missing,
            "params": {p.name: {"type": p.type.__name__, "default": p.default, "help": p.help}
                       for p in v.params},
            "claims": [f"{subject}/{predicate}" for subject, predicate in v.claims],
        })
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.table import Table

    from kbcheck.cli._common import console

    table = Table(title=f"{len(rows)} verifiers")
    for col in ("id", "v", "needs", "checks", "parameters", "title"):
        table.add_column(col)
    for r in rows:
        needs = r["device"] + "".join(f", {p}" for p in r["packages"])
        if r["missing"]:
            needs += f" (missing: {', '.join(r['missing'])})"
        table.add_row(r["id"], str(r["version"]), needs, ", ".join(r["claims"]),
                      ", ".join(r["params"]), r["title"])
    console().print(table)
    from verifiers import LOAD_ERRORS

    for name, error in LOAD_ERRORS.items():
        typer.echo(f"could not load {name}: {error}", err=True)


@app.command("verify")
def verify(
    verifier_id: str = typer.Argument(..., metavar="ID",
                                      help="A verifier id (see `kbcheck verifiers`)."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter as k=v (repeatable)."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    evidence_dir: str = typer.Option(None, "--evidence-dir",
                                     help="Recorded evidence used when the device is missing "
                                     "(default: the configuration's evidence-dir)."),
    memory_mb: int = typer.Option(4096, "--memory-mb", min=256, help="Worker memory limit, MiB."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    as_json: bool = typer.Option(False, "--json", hidden=True, help="Same as --format json."),
    fail_on: str = typer.Option("error", "--fail-on",
                                help="Exit 1 on a refuted or error verdict (error), or never."),
) -> None:
    """Run one verifier with the given parameters and print its evidence (exit 1 when the verdict
    is refuted or error)."""
    from pathlib import Path

    from kbcheck.cli._common import check_fail_on, fail, load
    from kbcheck.cli.run_cmd import _check_device
    from kbcheck.runner import Runner, RunOptions, make_job
    from verifiers import registry

    if fmt not in ("text", "json"):
        fail("verify", "--format must be text or json")
    as_json = as_json or fmt == "json"
    fail_on = check_fail_on("verify", fail_on)
    _check_device("verify", device)
    evidence = Path(evidence_dir) if evidence_dir else load("verify").path("evidence-dir")

    found = registry().get(verifier_id)
    if found is None:
        raise typer.BadParameter(
            f"unknown verifier {verifier_id!r}; `kbcheck verifiers` lists them")
    raw = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--param expects k=v, got {item!r}")
        raw[key.strip()] = value
    try:
        job = make_job(found, raw)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    runner = Runner(RunOptions(device=device, memory_mb=memory_mb, evidence_dir=evidence,
                               record_evidence=False))
    ev = runner.run([job])[job.key]
    if as_json:
        typer.echo(ev.model_dump_json(indent=2))
    else:
        typer.echo(f"{ev.verifier} v{ev.version} {json.dumps(ev.params)}")
        typer.echo(f"verdict: {ev.verdict.value}")
        typer.echo(f"explanation: {ev.explanation}")
        for label, values in (("measured", ev.measured), ("expected", ev.expected)):
            if values:
                typer.echo(f"{label}: {json.dumps(values, default=str)}")
        for note in ev.notes:
            typer.echo(f"note: {note}")
        env = ev.environment
        pkgs = env.get("packages") or {}
        typer.echo(f"environment: {env.get('device_name') or env.get('device')}; "
                   + ", ".join(f"{k} {v}" for k, v in pkgs.items() if v)
                   + f"; {ev.duration_s:.3f}s")
    bad = ev.verdict.value in ("refuted", "error") and fail_on != "never"
    raise typer.Exit(1 if bad else 0)
