"""The `product-importer` command."""

import argparse
import sys
import warnings
from pathlib import Path

from pipelines.local.services import PRODUCTION_ROLES


def _sample(args: argparse.Namespace) -> int:
    from pipelines.importing.sample import write_sample

    path = write_sample(Path(args.path), args.rows, seed=args.seed)
    print(f"Wrote {args.rows:,} rows to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _mapping(args: argparse.Namespace):
    """The columns chosen with --profile, --map and --sheet (None: recognize the header)."""
    from pipelines.importing.profiles import chosen_mapping

    return chosen_mapping(args.profile or "", args.map, args.sheet or "")


def _import(args: argparse.Namespace) -> int:
    from pipelines.importing.csv_records import FileRefused
    from pipelines.local.import_cli import main

    if not Path(args.path).is_file():
        print(f"error: {args.path} is not a file", file=sys.stderr)
        return 1
    try:
        mapping = _mapping(args)
    except (ValueError, FileRefused) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return main(args.path, args.json, args.verbose, mapping)


def _migrate(args: argparse.Namespace) -> int:
    from pipelines.db import connection, migrations
    from pipelines.importing.recovery import recover
    from pipelines.settings import Folders

    url = connection.resolve_url()
    applied = migrations.migrate(url)
    version = migrations.schema_version(url)
    print(f"Schema at version {version} ({', '.join(applied) or 'nothing to apply'}) on {connection.redact(url)}")
    print(f"Recovery: {recover(url, Folders.from_env().create()).describe()}")
    return 0


def _up(args: argparse.Namespace) -> int:
    from pipelines.local.supervisor import run_up

    return run_up(args.profile)


def _serve(args: argparse.Namespace) -> int:
    from pipelines.local.services import serve

    return serve(args.role)


def _webhooks(args: argparse.Namespace) -> int:
    from pipelines.db import connection, migrations
    from pipelines.webhooks.worker import run_worker

    url = connection.resolve_url()
    migrations.migrate(url)
    return run_worker(url)


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from pipelines.access.password import AccessError
    from pipelines.access.tokens import check_api_bind
    from pipelines.api.app import create_app
    from pipelines.db import connection, migrations
    from pipelines.settings import Listen

    listen = Listen.from_env()
    url = connection.resolve_url()
    migrations.migrate(url)
    try:
        check_api_bind(url, listen.api_host)
    except AccessError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(url), host=listen.api_host, port=listen.api_port, log_level="warning", access_log=False)
    return 0


def _token(args: argparse.Namespace) -> int:
    from pipelines.access import tokens
    from pipelines.db import connection, migrations

    url = connection.resolve_url()
    migrations.migrate(url)
    if args.action == "create":
        try:
            row, token = tokens.create_token(url, args.name)
        except tokens.TokenError as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        print(token)
        print(
            f"API token '{row['name']}' created; it is shown only now. Send it as: Authorization: Bearer <token>",
            file=sys.stderr,
        )
        return 0
    if args.action == "revoke":
        if not tokens.revoke_token(url, args.name):
            print(f"error: there is no live token called '{args.name}'", file=sys.stderr)
            return 1
        print(f"Revoked API token '{args.name}'.")
        return 0
    rows = tokens.list_tokens(url)
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "live"
        used = f"last used {row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never used"
        print(f"{row['name']}\t{state}\tcreated {row['created_at']:%Y-%m-%d %H:%M}\t{used}")
    if not rows:
        print("No API tokens: the API answers on this machine only.")
    return 0


def _undo(args: argparse.Namespace) -> int:
    import json

    from pipelines.db import connection, migrations
    from pipelines.importing.cancellation import ImportNotFound
    from pipelines.importing.journal import CannotUndo, undo_import

    url = connection.resolve_url()
    migrations.migrate(url)
    try:
        summary = undo_import(url, args.import_id)
    except (ImportNotFound, CannotUndo) as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary.as_json()))
        return 0
    print(
        f"Import {summary.import_id} undone in {summary.seconds:.1f} s: {summary.restored:,} products restored, "
        f"{summary.deleted:,} deleted, {summary.kept:,} kept (changed or deleted since)"
    )
    if summary.kept_skus:
        more = summary.kept - len(summary.kept_skus)
        print("Kept: " + ", ".join(summary.kept_skus) + (f" and {more:,} more" if more > 0 else ""))
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from pipelines.access.password import hash_password

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("Admin password: ")
    if not password:
        print("error: the password is empty", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from bench.import_speed import main

    servers = [part for choice in args.server or [] for part in ("--server", choice)]
    return main(["--rows", str(args.rows), "--repeat", str(args.repeat), *servers] + (["--all"] if args.all else []))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="product-importer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    from pipelines.settings import Listen

    ports = Listen.from_env()
    up = commands.add_parser(
        "up",
        help=f"start the database, Dagster (:{ports.dagster_port}), the admin app (:{ports.app_port}) "
        f"and the HTTP API (:{ports.api_port})",
    )
    up.add_argument(
        "--profile",
        choices=("local", "production"),
        default="local",
        help="local: embedded PostgreSQL unless DATABASE_URL, `dagster dev`; production: Dagster's code server, "
        "webserver and daemon as separate processes on PostgreSQL (deploy/dagster.yaml), WEBHOOK_WORKERS workers",
    )
    up.set_defaults(handler=_up)

    serve = commands.add_parser(
        "serve", help="run one service of the production shape (what each container runs; see deploy/)"
    )
    serve.add_argument("role", choices=PRODUCTION_ROLES)
    serve.set_defaults(handler=_serve)

    run = commands.add_parser("import", help="import one CSV or .xlsx file now and print a summary")
    run.add_argument("path")
    run.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="read a product field (sku, name, description, price) from the column HEADER; repeatable",
    )
    run.add_argument("--profile", help="use a saved column mapping (PROFILES_DIR/<name>.json)")
    run.add_argument("--sheet", help="the sheet of an .xlsx workbook to read (default: the first)")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    run.add_argument("--verbose", action="store_true", help="show Dagster's run log on stderr")
    run.set_defaults(handler=_import)

    sample = commands.add_parser("sample", help="write a realistic products CSV")
    sample.add_argument("--rows", type=int, default=1000)
    sample.add_argument("--seed", type=int, default=42)
    sample.add_argument("path")
    sample.set_defaults(handler=_sample)

    webhooks = commands.add_parser("webhooks", help="run the webhook delivery worker (up starts one)")
    webhooks.set_defaults(handler=_webhooks)

    undo = commands.add_parser("undo", help="undo an import: restore what it updated, delete what it created")
    undo.add_argument("import_id", type=int, metavar="IMPORT_ID")
    undo.add_argument("--json", action="store_true", help="print one JSON object (restored, deleted, kept, kept_skus)")
    undo.set_defaults(handler=_undo)

    api = commands.add_parser("api", help="serve the HTTP API on API_HOST:API_PORT (up starts it)")
    api.set_defaults(handler=_api)

    token = commands.add_parser("token", help="create, list or revoke HTTP API tokens")
    token_actions = token.add_subparsers(dest="action", required=True)
    for action, helptext in (("create", "print a new token called NAME"), ("revoke", "revoke the token called NAME")):
        chosen = token_actions.add_parser(action, help=helptext)
        chosen.add_argument("name", metavar="NAME")
    token_actions.add_parser("list", help="list tokens (never the tokens themselves)")
    token.set_defaults(handler=_token)

    hashing = commands.add_parser("hash-password", help="print ADMIN_PASSWORD_HASH for a password (read from stdin)")
    hashing.set_defaults(handler=_hash_password)

    migrate = commands.add_parser("migrate", help="apply schema migrations and print the version")
    migrate.set_defaults(handler=_migrate)

    bench = commands.add_parser("bench", help="measure import speed against a plain COPY + merge")
    bench.add_argument("--rows", type=int, default=500_000)
    bench.add_argument("--repeat", type=int, default=3)
    bench.add_argument("--server", action="append", help="`embedded` or a PostgreSQL URL; repeat for several")
    bench.add_argument("--all", action="store_true", help="also the indexed-table floor, dlt and a seed-style ORM")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Dagster warns about its own beta parameters at import time; users can't act on it.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
