"""A small CNN (conv -> relu -> pool -> conv -> relu -> pool -> linear) on scikit-learn's
digits images (8x8, real data that ships with scikit-learn, so it runs offline).

    python examples/digits_cnn.py [--epochs 25] [--plot digits_cnn.png]

--plot writes the loss curve and the misclassified test images to one PNG (matplotlib).
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 2 * 2, 10))

    def forward(self, x):
        return self.head(self.features(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--plot", help="write loss curve + misclassified digits to this PNG")
    args = ap.parse_args()

    ember.manual_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    model = DigitsCNN()
    opt = ember.optim.Adam(model.parameters(), lr=3e-3)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=args.epochs,
                                                steps_per_epoch=len(loader))
    losses, start = [], time.perf_counter()
    for _ in (bar := tqdm(range(args.epochs), desc="training")):
        model.train()
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * xb.shape[0]
        losses.append(total / len(x_train))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    model.eval()
    with ember.no_grad():
        pred = model(ember.tensor(x_test)).argmax(dim=1).numpy()
    acc = float((pred == y_test).mean())
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s; "
          f"test accuracy {acc:.4f}")
    assert acc >= 0.98, f"test accuracy {acc:.4f} is below 0.98"

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        wrong = np.flatnonzero(pred != y_test)[:12]
        fig, axes = plt.subplots(1, 1 + max(len(wrong), 1), figsize=(2 * (2 + len(wrong)), 2.4))
        axes[0].plot(range(1, len(losses) + 1), losses)
        axes[0].set_title("training loss")
        for ax, i in zip(axes[1:], wrong):
            ax.imshow(x_test[i, 0], cmap="gray_r")
            ax.set_title(f"{y_test[i]} as {pred[i]}")
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=80)
        print(f"loss curve and {len(wrong)} misclassified digits written to {args.plot}")


if __name__ == "__main__":
    main()
