"""The trained anomaly model, outside the database: `<key_dir>/anomaly-models/`, one
`vNNNN.joblib` per version with its `vNNNN.json` (features, training seeds, figures, the
sha256 of the model file), and `current` naming the version intake uses. A model file is
loaded only if its sha256 matches its metadata and its features are the detector's.

The directory sits beside the keys because a model file is code to Python's loader: whoever
can write there can already read the master key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderhub.domain.anomaly.features import FEATURE_NAMES

log = logging.getLogger(__name__)


_CONTROLLER: list[Any] = []


def _threads() -> Any:
    """threadpoolctl's controller, made once (making one scans the loaded libraries)."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@dataclass(frozen=True)
class SklearnScorer:
    """A fitted scikit-learn classifier behind the domain's `Scorer` protocol."""

    model: Any
    version: str

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        import numpy as np

        if not rows:
            return []
        # A batch is small: one thread (OpenMP threads would only contend with intake's).
        with _threads().limit(limits=1):
            proba = self.model.predict_proba(np.asarray(rows, dtype=float))
        return [float(p) for p in proba[:, 1]]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ModelStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._cached: tuple[float, SklearnScorer | None] | None = None

    def _pointer(self) -> Path:
        return self.directory / "current"

    def versions(self) -> list[dict[str, Any]]:
        if not self.directory.is_dir():
            return []
        out = []
        for meta in sorted(self.directory.glob("v*.json")):
            out.append(json.loads(meta.read_text(encoding="utf-8")))
        return out

    def current_version(self) -> str | None:
        p = self._pointer()
        return p.read_text(encoding="utf-8").strip() if p.exists() else None

    def save(self, model: Any, meta: dict[str, Any]) -> str:
        """Store a new version and make it current; returns its name."""
        import joblib  # type: ignore[import-untyped]

        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        existing = [int(p.stem[1:]) for p in self.directory.glob("v*.joblib")
                    if p.stem[1:].isdigit()]
        version = f"v{max(existing, default=0) + 1:04d}"
        path = self.directory / f"{version}.joblib"
        joblib.dump(model, path)
        os.chmod(path, 0o600)
        doc = {**meta, "version": version, "features": list(FEATURE_NAMES),
               "sha256": _sha256(path)}
        (self.directory / f"{version}.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp = self.directory / "current.tmp"
        tmp.write_text(version, encoding="utf-8")
        tmp.replace(self._pointer())
        with self._lock:
            self._cached = None
        return version

    def scorer(self) -> SklearnScorer | None:
        """The current model (re-read when `current` changes); None without one, or when
        its file does not match its metadata (logged: intake goes on with the rules)."""
        p = self._pointer()
        try:
            stamp = p.stat().st_mtime
        except OSError:
            return None
        cached = self._cached
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with self._lock:
            scorer = self._load(p.read_text(encoding="utf-8").strip())
            self._cached = (stamp, scorer)
            return scorer

    def _load(self, version: str) -> SklearnScorer | None:
        import joblib

        path = self.directory / f"{version}.joblib"
        meta_path = self.directory / f"{version}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("sha256") != _sha256(path):
                log.error("anomaly model %s: file does not match its sha256; not used", version)
                return None
            if tuple(meta.get("features", ())) != FEATURE_NAMES:
                log.error("anomaly model %s: trained on other features; retrain it", version)
                return None
            return SklearnScorer(joblib.load(path), version)
        except (OSError, ValueError) as exc:
            log.error("anomaly model %s not loaded: %s", version, exc)
            return None
