"""Planning ahead (issue 18 item 3): the pre-allocation problem and its solution
(`problem.py`), safety stock and expected shortage under forecast uncertainty
(`uncertainty.py`), suggestions, the auto-accept rule and the safety-stock flag
(`plan.py`), transfer orders and their lifecycle (`transfer.py`). Pure: no I/O, time is
passed in; the LP solver is an adapter (adapters/planning/highs_solver.py)."""
