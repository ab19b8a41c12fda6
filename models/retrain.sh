#!/usr/bin/env bash
# Re-creates the shipped default models from full MNIST (about 26 minutes on 2 cores the first time:
# the pen-drawn copies of the training digits are drawn once and cached; later runs take about 18).
#   MNIST_NPZ=../shared/data/mnist.npz bash models/retrain.sh
# Without MNIST_NPZ, keras downloads MNIST to ~/.keras/datasets first. The pen-drawn copies need
# scikit-image (pip install -r requirements-dev.txt); their cache lives in $MNIST_PEN_CACHE
# (default ~/.cache/mnist-playground, about 170 MB), never in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The drawn-cnn preset on MNIST plus pen-drawn copies of its digits, then averaged over one-pixel
# shifts of the image (test-time augmentation inside the model file).
python -m mnist_core train --preset drawn-cnn --pen-augment --seed 0 --out "$work/cnn.keras"
python -m mnist_core shift-average "$work/cnn.keras" --out models/cnn.keras

# A wide MLP with dropout, one-cycle learning rate, affine augmentation and the same pen-drawn
# copies (real drawings 94.5% -> 96.4%, MNIST 99.05% -> 98.70%: see bench/handwriting_experiments.md).
python -m mnist_core train --model mlp --hidden-units 512,256 --dropout-rate 0.2 \
    --learning-rate 2e-3 --lr-schedule one_cycle --batch-size 128 --epochs 35 --augment --pen-augment \
    --seed 0 --out models/mlp.keras
