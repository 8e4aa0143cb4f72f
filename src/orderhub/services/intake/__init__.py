"""Intake: one front door for every order (API, channels, files, simulation), the pipeline
that validates, plans, reserves and stores them, and the SKU crosswalk it consults."""
