"""The exception desk: one queue of what needs a decision, remedies priced by the router,
approval tiers (`desk.py`); the tier policy and SKU substitutions (`admin.py`); read models
(`views.py`)."""
