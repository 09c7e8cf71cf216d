"""Many accounts of the suite's taps synced by Dagster, one `meltano run` per account.

`accounts` reads and checks the accounts file, `runner` runs one account's sync safely next to
others (own run directory, one worker per account, shared state), `definitions` is the Dagster
code location. See scripts/orchestration/README.md.
"""
