"""The `product-importer` command."""

import argparse
import sys
import warnings
from pathlib import Path


def _sample(args: argparse.Namespace) -> int:
    from pipelines.importing.sample import write_sample

    path = write_sample(Path(args.path), args.rows, seed=args.seed)
    print(f"Wrote {args.rows:,} rows to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _mapping(args: argparse.Namespace):
    """The columns chosen with --profile, --map and --sheet (None: recognize the header)."""
    from pipelines.importing.columns import Mapping
    from pipelines.importing.profiles import load_profile

    base = Mapping()
    if args.profile:
        base = load_profile(args.profile)
        if base is None:
            raise ValueError(f"there is no profile '{args.profile}' (see README, Column mapping)")
    columns = dict(base.columns)
    for given in args.map:
        product_field, separator, header_name = given.partition("=")
        if not separator or not header_name.strip():
            raise ValueError(f'--map {given!r}: write FIELD=HEADER, e.g. --map sku="Item No."')
        columns[product_field.strip().lower()] = header_name.strip()
    mapping = Mapping(columns=columns, sheet=args.sheet or base.sheet, profile=base.profile if not args.map else "")
    return None if mapping.empty else mapping


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

    return run_up()


def _webhooks(args: argparse.Namespace) -> int:
    from pipelines.db import connection, migrations
    from pipelines.webhooks.worker import run_worker

    url = connection.resolve_url()
    migrations.migrate(url)
    return run_worker(url)


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

    return main(["--rows", str(args.rows), "--repeat", str(args.repeat)] + (["--no-peers"] if args.no_peers else []))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="product-importer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the database, Dagster (:3000) and the admin app (:8501)")
    up.set_defaults(handler=_up)

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

    hashing = commands.add_parser("hash-password", help="print ADMIN_PASSWORD_HASH for a password (read from stdin)")
    hashing.set_defaults(handler=_hash_password)

    migrate = commands.add_parser("migrate", help="apply schema migrations and print the version")
    migrate.set_defaults(handler=_migrate)

    bench = commands.add_parser("bench", help="measure import speed against a plain COPY + merge")
    bench.add_argument("--rows", type=int, default=500_000)
    bench.add_argument("--repeat", type=int, default=3)
    bench.add_argument("--no-peers", action="store_true", help="skip dlt and the seed-style ORM")
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
