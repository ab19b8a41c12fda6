#!/usr/bin/env bash
# Re-creates the shipped default models from full MNIST (about 3 minutes on 2 cores).
#   MNIST_NPZ=../shared/data/mnist.npz bash models/retrain.sh
# Without MNIST_NPZ, keras downloads MNIST to ~/.keras/datasets first.
set -euo pipefail
cd "$(dirname "$0")/.."

# The fast-cnn preset, trained longer and with augmentation so drawn digits are recognised.
python -m mnist_core train --preset fast-cnn --augment --epochs 15 --seed 0 --out models/cnn.keras

# A wide MLP with dropout, one-cycle learning rate and the same augmentation.
python -m mnist_core train --model mlp --hidden-units 512,256 --dropout-rate 0.2 \
    --learning-rate 2e-3 --lr-schedule one_cycle --batch-size 128 --epochs 20 --augment --seed 0 \
    --out models/mlp.keras
