"""Check an accounts file, or sync one account without Dagster (cron, Airflow's BashOperator).

    PYTHONPATH=scripts/orchestration .venv-dagster/bin/python -m suite_orchestration check
    PYTHONPATH=scripts/orchestration .venv-dagster/bin/python -m suite_orchestration sync acme

Both read `$SUITE_ACCOUNTS_FILE` (or `--accounts`), print one line on failure and exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .accounts import AccountsError, load_accounts
from .runner import SyncError, sync_account

HERE = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suite_orchestration", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts",
        type=Path,
        default=Path(os.environ.get("SUITE_ACCOUNTS_FILE") or HERE / "accounts.yml"),
        help="accounts file (default $SUITE_ACCOUNTS_FILE, else scripts/orchestration/accounts.yml)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="read and check the accounts file")
    one = sub.add_parser("sync", help="run one account's sync here")
    one.add_argument("account")
    args = parser.parse_args(argv)
    try:
        accounts = load_accounts(
            args.accounts, Path(os.environ.get("MELTANO_PROJECT_ROOT") or HERE.parents[1])
        )
        if args.command == "check":
            names = ", ".join(f"{a.name} ({a.tap})" for a in accounts.accounts)
            print(f"{args.accounts}: {len(accounts.accounts)} accounts: {names}")
            return 0
        sync_account(accounts, args.account, log=lambda line: print(line, file=sys.stderr))
    except (AccountsError, SyncError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
