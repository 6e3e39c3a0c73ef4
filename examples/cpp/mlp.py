"""The MLP of examples/cpp/mlp.h in Python, with the same parameter names and the same ops,
so a model saved by one side loads in the other and gives bitwise identical outputs.

    python examples/cpp/mlp.py OUT_DIR   # writes OUT_DIR/{data,model,inputs}.safetensors

data.safetensors: the iris data set (150 rows, standardised features, labels) for
train_mlp; model.safetensors: a freshly initialised Python model for serve;
inputs.safetensors: every tenth row of the data (15 rows) for serve.
"""
import math
import os
import sys

import numpy as np

import ember


class Dense(ember.nn.Module):
    """y = x W^T + b, initialised like torch.nn.Linear."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = ember.nn.Parameter(ember.empty(out_features, in_features))
        self.bias = ember.nn.Parameter(ember.empty(out_features))
        ember.nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1.0 / math.sqrt(in_features)
        ember.nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return ember.linear(x, self.weight, self.bias)


class MLP(ember.nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.fc1 = Dense(in_features, hidden)
        self.fc2 = Dense(hidden, out_features)

    def forward(self, x):
        return self.fc2(ember.relu(self.fc1(x)))


def from_state(state):
    """An MLP shaped like the weights in state (a dict from ember.load), loaded from it."""
    w1, w2 = state["fc1.weight"], state["fc2.weight"]
    model = MLP(w1.shape[1], w1.shape[0], w2.shape[0])
    model.load_state_dict(state)
    return model.eval()


def iris():
    """(x float32 standardised, y int64) from scikit-learn's bundled iris data."""
    from sklearn.datasets import load_iris
    d = load_iris()
    x = d.data.astype(np.float64)
    x = (x - x.mean(0)) / x.std(0)
    return x.astype(np.float32), d.target.astype(np.int64)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    x, y = iris()
    ember.save({"x": x, "y": y}, os.path.join(out_dir, "data.safetensors"))
    ember.save({"x": x[::10]}, os.path.join(out_dir, "inputs.safetensors"))  # all classes
    ember.manual_seed(1)
    model = MLP(x.shape[1], 32, 3)
    ember.save(model.state_dict(), os.path.join(out_dir, "model.safetensors"))
    print(f"wrote data, model and inputs to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
