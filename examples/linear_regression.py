"""Linear regression with ember's autograd on scikit-learn's diabetes data (real, offline).

Fits y = X w + b by full-batch gradient descent with momentum, using only tensors and
autograd, and prints the test R^2 next to the closed-form least-squares answer.
"""
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

import ember


def r2(y, pred):
    return 1.0 - float(((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def main():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    mu, sigma = X_train.mean(0), X_train.std(0)
    X_train, X_test = (X_train - mu) / sigma, (X_test - mu) / sigma

    # Closed form on the same standardised features (with an intercept column).
    A = np.hstack([X_train, np.ones((len(X_train), 1))])
    coef = np.linalg.lstsq(A, y_train, rcond=None)[0]
    r2_closed = r2(y_test, np.hstack([X_test, np.ones((len(X_test), 1))]) @ coef)

    Xt = ember.tensor(X_train)  # float64 NumPy data stays float64
    yt = ember.tensor(y_train).reshape(-1, 1)
    w = ember.zeros(X.shape[1], 1, dtype=ember.float64, requires_grad=True)
    b = ember.zeros(1, dtype=ember.float64, requires_grad=True)
    vw, vb = ember.zeros_like(w), ember.zeros_like(b)
    lr, momentum = 0.05, 0.9
    for step in range(3000):
        loss = ((Xt @ w + b - yt) ** 2).mean()
        w.grad, b.grad = None, None
        loss.backward()
        with ember.no_grad():
            vw.mul_(momentum).add_(w.grad)
            vb.mul_(momentum).add_(b.grad)
            w.sub_(lr * vw)
            b.sub_(lr * vb)
        if step % 500 == 0:
            print(f"step {step:5d}  train MSE {loss.item():10.2f}")

    with ember.no_grad():
        pred = (ember.tensor(X_test) @ w + b).numpy().ravel()
    r2_gd = r2(y_test, pred)
    print(f"test R^2  gradient descent: {r2_gd:.6f}   closed form: {r2_closed:.6f}")
    assert abs(r2_gd - r2_closed) < 1e-3, "gradient descent did not reach the least-squares fit"
    print("OK: gradient descent agrees with least squares to 1e-3")


if __name__ == "__main__":
    main()
