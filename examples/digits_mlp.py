"""Train an MLP on scikit-learn's handwritten digits (real data that ships with
scikit-learn, so it runs offline), save it with ember.save, reload it into a fresh model
and check the accuracy again. Optionally plots the loss curve (--plot loss.png).

    python examples/digits_mlp.py [--epochs 30] [--plot digits_mlp_loss.png]
"""
import argparse
import os
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset


def make_model():
    return nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def accuracy(model, x, y):
    model.eval()
    with ember.no_grad():
        pred = model(x).argmax(dim=1)
    return float((pred == y).float().mean().item())


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--plot", help="write the loss curve to this PNG (needs matplotlib)")
    args = ap.parse_args()

    ember.manual_seed(0)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixels in [0, 1]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    x_test_t, y_test_t = ember.tensor(x_test), ember.tensor(y_test)

    model = make_model()
    opt = ember.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    print(model)
    losses, start = [], time.perf_counter()
    for epoch in (bar := tqdm(range(args.epochs), desc="training")):
        model.train()
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        sched.step()
        losses.append(total / len(x_train))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    elapsed = time.perf_counter() - start
    acc = accuracy(model, x_test_t, y_test_t)
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; test accuracy {acc:.4f}")

    path = os.path.join(tempfile.mkdtemp(), "digits_mlp.safetensors")
    ember.save(model.state_dict(), path)
    fresh = make_model()
    fresh.load_state_dict(ember.load(path))
    acc2 = accuracy(fresh, x_test_t, y_test_t)
    print(f"reloaded from {path}: test accuracy {acc2:.4f}")
    assert acc2 == acc, "reloaded model disagrees with the trained one"
    assert acc >= 0.97, f"test accuracy {acc:.4f} is below 0.97"

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.plot(range(1, len(losses) + 1), losses)
        plt.xlabel("epoch")
        plt.ylabel("training loss")
        plt.title("ember MLP on scikit-learn digits")
        plt.savefig(args.plot, dpi=100)
        print(f"loss curve written to {args.plot}")


if __name__ == "__main__":
    main()
