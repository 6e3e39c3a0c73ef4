"""Sequence classification with a recurrent layer on scikit-learn's digits (real data that
ships with scikit-learn, so it runs offline): each 8x8 image is read row by row as a
sequence of 8 steps of 8 features; an LSTM (or GRU) reads the rows and a linear head
classifies the final hidden state.

    python examples/digits_rnn.py [--cell lstm|gru] [--epochs 20] [--hidden 64]
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset


class RowReader(nn.Module):
    def __init__(self, cell, hidden):
        super().__init__()
        layer = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = layer(8, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 10)

    def forward(self, x):  # x (N, 8 rows, 8 pixels)
        _, h = self.rnn(x)
        h_n = h[0] if isinstance(h, tuple) else h  # LSTM returns (h_n, c_n)
        return self.head(h_n[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=64)
    args = ap.parse_args()

    ember.manual_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (N, 8, 8): rows are the time steps
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    model = RowReader(args.cell, args.hidden)
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=args.epochs,
                                                steps_per_epoch=len(loader))
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * xb.shape[0]
        if epoch % 5 == 4 or epoch == args.epochs - 1:
            print(f"epoch {epoch + 1:3d}  train loss {total / len(x_train):.4f}")
    model.eval()
    with ember.no_grad():
        pred = model(ember.tensor(x_test)).argmax(dim=1).numpy()
    acc = float((pred == y_test).mean())
    print(f"{args.cell.upper()} trained {args.epochs} epochs in "
          f"{time.perf_counter() - start:.1f} s; test accuracy {acc:.4f}")
    assert acc >= 0.95, f"test accuracy {acc:.4f} is below 0.95"


if __name__ == "__main__":
    main()
