"""``kistrade config show`` and ``kistrade config check``: the effective settings and whether they load."""

from __future__ import annotations

import json
from pathlib import Path

import typer

CONFIG_OPTION = typer.Option(
    None,
    "--config",
    "-c",
    help="YAML settings file (default: $KISTRADE_CONFIG, else ./config.yaml if present).",
)
ENV_FILE_OPTION = typer.Option(
    None, "--env-file", help="A .env file (default: $KISTRADE_ENV_FILE, else ./.env if present)."
)


def _format_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def show(
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: the settings and the source of each value."
    ),
) -> None:
    """Print the effective settings, secrets masked, with where each non-default value came from."""
    from kistrade.app.settings import load_with_sources
    from kistrade.app.settings_view import flat_items, masked_tree
    from kistrade.domain.errors import ConfigError

    try:
        loaded = load_with_sources(config, env_file)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    tree = masked_tree(loaded.settings)
    if as_json:
        payload = {
            "config_file": str(loaded.config_file) if loaded.config_file else None,
            "env_file": str(loaded.env_file) if loaded.env_file else None,
            "settings": tree,
            "sources": dict(sorted(loaded.sources.items())),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(f"# config file: {loaded.config_file or '(none)'}")
    typer.echo(f"# .env file:   {loaded.env_file or '(none)'}")
    items = [(key, _format_value(value)) for key, value in flat_items(tree)]
    width = min(max(len(key) + len(value) for key, value in items) + 3, 72)
    for key, value in items:
        line = f"{key}: {value}"
        source = loaded.sources.get(key)
        typer.echo(f"{line.ljust(width)}# {source}" if source else line)


def check(
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Validate the settings: print ``ok`` with the mode and the credentials present, or the problems."""
    from kistrade.app.settings import load_with_sources
    from kistrade.app.settings_view import credentials_present
    from kistrade.domain.errors import ConfigError

    try:
        loaded = load_with_sources(config, env_file)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    settings = loaded.settings
    present = credentials_present(settings)
    creds = "; ".join(f"{env}: {', '.join(names) or 'none'}" for env, names in present.items())
    where = f" ({loaded.config_file})" if loaded.config_file else ""
    typer.echo(f"ok: mode {settings.kis.mode}{where}; credentials present: {creds}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="config",
        help="Show and check the settings (config.yaml, .env, KISTRADE__* variables).",
        no_args_is_help=True,
    )
    group.command("show")(show)
    group.command("check")(check)
    app.add_typer(group, name="config")
