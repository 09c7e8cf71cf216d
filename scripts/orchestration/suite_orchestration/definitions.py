"""The Dagster code location: one asset per account, materialized by one `meltano run`.

Jobs:
- `sync_all_accounts`: every account, at most `workers` at once (multiprocess executor: each
  account in its own process, each process its own Meltano run directory);
- `sync_<account>`: one account, for retries, backfills and spreading accounts over workers.

Load it with `-d scripts/orchestration -m suite_orchestration.definitions`; the accounts file is
`$SUITE_ACCOUNTS_FILE` (default scripts/orchestration/accounts.yml).
"""

import os
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
)

from .accounts import Account, AccountsFile, load_accounts
from .runner import SyncError, sync_account

HERE = Path(__file__).resolve().parents[1]
REPO = HERE.parents[1]


def accounts_file() -> AccountsFile:
    path = Path(os.environ.get("SUITE_ACCOUNTS_FILE") or HERE / "accounts.yml")
    return load_accounts(path, Path(os.environ.get("MELTANO_PROJECT_ROOT") or REPO))


def account_key(account: Account) -> AssetKey:
    return AssetKey([account.tap.replace("-", "_"), account.name])


def account_asset(accounts: AccountsFile, account: Account) -> AssetsDefinition:
    @asset(
        key=account_key(account),
        group_name="accounts",
        kinds={"meltano", "postgres"},
        op_tags={"account": account.name},
        description=(
            f"{account.tap} account {account.name} loaded into schema {account.schema} "
            f"(state id {account.state_id(accounts.environment)})"
        ),
    )
    def sync(context: AssetExecutionContext) -> MaterializeResult:
        try:
            result = sync_account(accounts, account.name, log=context.log.info)
        except SyncError as exc:
            # One line in the run's log: the reason, without a traceback of this wrapper.
            raise Failure(description=str(exc)) from None
        return MaterializeResult(
            metadata={
                "state_id": result.state_id,
                "records": sum(result.records.values()),
                "records_by_stream": MetadataValue.json(result.records),
                "seconds": MetadataValue.float(round(result.seconds, 2)),
                "worker": result.worker,
                "run_dir": result.run_dir,
            }
        )

    return sync


def build_definitions(accounts: AccountsFile) -> Definitions:
    assets = {account.name: account_asset(accounts, account) for account in accounts.accounts}
    sync_all = define_asset_job(
        "sync_all_accounts",
        selection=AssetSelection.assets(*(account_key(a) for a in accounts.accounts)),
        # forkserver: each account's process forks from one that already imported Dagster and
        # this module, instead of starting Python afresh (seconds per account on a busy host).
        executor_def=multiprocess_executor.configured(
            {"max_concurrent": accounts.workers, "start_method": {"forkserver": {}}}
        ),
        description=f"Every account, at most {accounts.workers} at once.",
    )
    per_account = [
        define_asset_job(
            f"sync_{account.name}",
            selection=AssetSelection.assets(account_key(account)),
            executor_def=in_process_executor,
            tags={"account": account.name},
            description=f"Account {account.name} ({account.tap}).",
        )
        for account in accounts.accounts
    ]
    schedules = []
    if accounts.schedule:
        schedules.append(
            ScheduleDefinition(
                job=sync_all,
                cron_schedule=accounts.schedule,
                default_status=DefaultScheduleStatus.RUNNING,
            )
        )
    return Definitions(assets=list(assets.values()), jobs=[sync_all, *per_account], schedules=schedules)


defs = build_definitions(accounts_file())
