"""The service layer: use cases run through a unit of work; entry points call these only."""
