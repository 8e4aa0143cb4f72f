"""The pure domain model: no framework, database or network imports live here."""
