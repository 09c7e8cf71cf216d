"""Type codes of the LivePerson field table (see `liveperson_fields.py`)."""

STR, INT, NUM, BOOL = "string", "integer", "number", "boolean"
MS, LPT, LOCAL, JSON = "epoch_ms", "lp_time", "account_time", "json"
