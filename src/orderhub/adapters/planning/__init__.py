"""Planning's solvers: the pre-allocation LP with HiGHS (`highs_solver.py`)."""
