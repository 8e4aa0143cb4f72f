"""Compensation as persisted sagas (domain/saga.py): started in the transaction of the
failure they repair (`compensation.py`), run step by step, each step once (`runner.py`),
resumed by the saga-resume job, listed and retried by people (`views.py`)."""
