"""Anomaly detection at intake (issue 14, item 5): the pipeline's screening stage
(`detection.py`), per-tenant settings (`settings.py`), detections for people (`views.py`),
the model's training and evaluation on labelled traffic (`model.py`)."""
