"""``keras.datasets.reuters``: not available (Keras publishes it only pickled; see datasets/__init__)."""

from __future__ import annotations

from tessera_keras.datasets._source import pickled

load_data = pickled("reuters")
