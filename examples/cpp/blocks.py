"""The Blocks model of examples/cpp/blocks.h in Python, with the same layers and names, so a
model saved here loads in the C++ program and gives bitwise identical logits.

    python examples/cpp/blocks.py OUT_DIR   # writes OUT_DIR/{blocks,digits}.safetensors

blocks.safetensors: the model after a few Adam steps on scikit-learn's digits (so batch-norm
statistics and weights are not the initial ones); digits.safetensors: 64 test images "x"
(N, 1, 8, 8) and their labels "y".
"""
import os
import sys

import numpy as np

import ember
import ember.nn as nn

CHANNELS, HIDDEN, CLASSES = 8, 16, 10


class Blocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, CHANNELS, 3, padding=1)
        self.bn = nn.BatchNorm2d(CHANNELS)
        self.pool = nn.MaxPool2d(2)
        self.lstm = nn.LSTM(CHANNELS, HIDDEN, batch_first=True, bidirectional=True)
        self.encoder = nn.TransformerEncoderLayer(2 * HIDDEN, 4, dim_feedforward=64, dropout=0.0,
                                                  activation="gelu", batch_first=True)
        self.head = nn.Linear(2 * HIDDEN, CLASSES)

    def forward(self, x):
        h = self.pool(ember.relu(self.bn(self.conv(x))))   # (N, C, 4, 4)
        h = ember.flatten(h, 2).transpose(1, 2)              # (N, 16, C) tokens
        h = self.lstm(h)[0]                                  # (N, 16, 2 * hidden)
        h = self.encoder(h)
        return self.head(h.mean(1))


def digits():
    """(x (N, 1, 8, 8) float32 in [0, 1], y int64) from scikit-learn's bundled digits."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.images / 16.0).astype(np.float32)[:, None], d.target.astype(np.int64)


def main(out_dir, steps=20):
    os.makedirs(out_dir, exist_ok=True)
    x, y = digits()
    ember.manual_seed(0)
    model = Blocks()
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    for step in range(steps):
        batch = slice(64 * step, 64 * (step + 1))
        opt.zero_grad()
        loss = ember.cross_entropy(model(ember.tensor(x[batch])), ember.tensor(y[batch]))
        loss.backward()
        opt.step()
    ember.save(model.state_dict(), os.path.join(out_dir, "blocks.safetensors"))
    ember.save({"x": x[-64:], "y": y[-64:]}, os.path.join(out_dir, "digits.safetensors"))
    print(f"trained {steps} steps (last loss {loss.item():.3f}); wrote blocks and digits to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
