"""How well the Train page's memory estimate (sizing.training_memory_bytes) matches real training steps.

Each configuration trains 20 steps in a fresh process; the peak resident memory
above the process's state before the model is built is compared with the
estimate that the MNIST_MAX_TRAINING_MB cap is checked against. Prints one row
per configuration and one JSON line; an estimate at or above the measured peak
(ratio >= 1) means the cap errs on the safe side.

    python -m bench.memory_caps
"""

from __future__ import annotations

import json
import subprocess
import sys

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.sizing import count_params, training_memory_bytes

CONFIGS = {
    "fast-cnn, batch 128": TrainingConfig(
        model=CNNConfig(conv_blocks=(ConvBlock(32, 5, 2, False), ConvBlock(64, 3, 2, False))), batch_size=128
    ),
    "3 x conv 128 no pooling, batch 64": TrainingConfig(
        model=CNNConfig(conv_blocks=(ConvBlock(128, pooling=False),) * 3, dense_units=(64,)), batch_size=64
    ),
    "2 x conv 256 no pooling, batch 256": TrainingConfig(
        model=CNNConfig(conv_blocks=(ConvBlock(256, pooling=False),) * 2, dense_units=(32,)), batch_size=256
    ),
    "MLP 1024 x 3, batch 512": TrainingConfig(model=MLPConfig(hidden_units=(1024,) * 3), batch_size=512),
}

PROBE = """
import json, resource, sys
import numpy as np
from mnist_core.config import config_from_dict
from mnist_core.models import build_model
from mnist_core.runtime import keras_module
config = config_from_dict(json.loads(sys.argv[1]))
keras_module()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
images = np.random.default_rng(0).random((config.batch_size * 20, 28, 28), dtype=np.float32)
labels = np.random.default_rng(1).integers(0, 10, len(images))
model = build_model(config)
model.fit(images, labels, batch_size=config.batch_size, epochs=1, verbose=0)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = images.nbytes + labels.nbytes
print(json.dumps({"peak_bytes": (after - before) * 1024 - data}))
"""


def measure(config: TrainingConfig) -> int:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(config.to_dict())],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])["peak_bytes"]


def main() -> None:
    rows = []
    for name, config in CONFIGS.items():
        measured, estimate = measure(config), training_memory_bytes(config)
        rows.append(
            {
                "config": name,
                "params": count_params(config.model),
                "measured_mb": round(measured / 1e6),
                "estimate_mb": round(estimate / 1e6),
                "ratio": round(estimate / max(measured, 1), 2),
            }
        )
        row = rows[-1]
        print(f"{name}: measured {row['measured_mb']} MB, estimated {row['estimate_mb']} MB, x{row['ratio']}")
    print(
        json.dumps({"bench": "memory_caps", "rows": rows, "lowest_ratio": min(row["ratio"] for row in rows)})
    )


if __name__ == "__main__":
    main()
