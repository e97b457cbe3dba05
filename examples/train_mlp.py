#!/usr/bin/env python3
"""Train a two-layer MLP (GELU hidden layer, softmax cross-entropy) with NumPy
and fastact only: the forward activations and their backward kernels.

    x -> h = x W1 + b1 -> a = gelu(h) -> z = a W2 + b2 -> l = log_softmax(z)
    loss = -mean(l[i, label_i])

Backward: dl = -onehot / batch; dz = log_softmax_backward(dl, l)
(= softmax(z) - onehot, over the batch), dW2 = a^T dz, da = dz W2^T,
dh = gelu_backward(da, h), dW1 = x^T dh.  Plain SGD with momentum on a
synthetic task: points of a few Gaussian clusters in `dim` dimensions, the
label the cluster (a nonlinear boundary: clusters of a class are not
adjacent).

    python examples/train_mlp.py                # a few hundred steps, prints the loss
    python examples/train_mlp.py --steps 50 --hidden 32
"""

from __future__ import annotations

import argparse

import numpy as np

import fastact as fa


def make_data(n=2048, dim=8, classes=4, clusters_per_class=3, seed=0, dtype=np.float32):
    """n points of `classes` classes, each a union of Gaussian clusters."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes * clusters_per_class, dim)) * 2.0
    which = rng.integers(0, centers.shape[0], n)
    x = centers[which] + rng.standard_normal((n, dim)) * 1.2
    y = which % classes
    return x.astype(dtype), y


def init_params(dim, hidden, classes, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return {
        "W1": (rng.standard_normal((dim, hidden)) / np.sqrt(dim)).astype(dtype),
        "b1": np.zeros(hidden, dtype),
        "W2": (rng.standard_normal((hidden, classes)) / np.sqrt(hidden)).astype(dtype),
        "b2": np.zeros(classes, dtype),
    }


def forward(p, x):
    h = x @ p["W1"] + p["b1"]
    a = fa.gelu(h)
    z = a @ p["W2"] + p["b2"]
    logp = fa.log_softmax(z, axis=-1)
    return h, a, z, logp


def loss_and_grads(p, x, labels):
    """Mean cross-entropy and its gradients with respect to every parameter."""
    n = x.shape[0]
    h, a, z, logp = forward(p, x)
    loss = -float(np.mean(logp[np.arange(n), labels]))
    dlogp = np.zeros_like(logp)
    dlogp[np.arange(n), labels] = -1.0 / n
    dz = fa.log_softmax_backward(dlogp, logp, axis=-1)
    grads = {"W2": a.T @ dz, "b2": dz.sum(0)}
    da = dz @ p["W2"].T
    dh = fa.gelu_backward(da, h)
    grads["W1"] = x.T @ dh
    grads["b1"] = dh.sum(0)
    return loss, grads


def accuracy(p, x, labels):
    return float(np.mean(np.argmax(forward(p, x)[3], axis=1) == labels))


def train(steps=300, batch=128, hidden=64, lr=0.1, momentum=0.9, seed=0, log_every=50, dtype=np.float32,
          verbose=True):
    """Train on the synthetic task; returns (params, [loss per step])."""
    x, y = make_data(seed=seed, dtype=dtype)
    p = init_params(x.shape[1], hidden, int(y.max()) + 1, seed=seed + 1, dtype=dtype)
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    rng = np.random.default_rng(seed + 2)
    losses = []
    for step in range(steps):
        idx = rng.integers(0, x.shape[0], batch)
        loss, g = loss_and_grads(p, x[idx], y[idx])
        losses.append(loss)
        for k in p:
            vel[k] = momentum * vel[k] - lr * g[k]
            p[k] += vel[k]
        if verbose and (step % log_every == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss:.4f}  accuracy {accuracy(p, x, y):.3f}")
    return p, losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    train(steps=a.steps, batch=a.batch, hidden=a.hidden, lr=a.lr, seed=a.seed)


if __name__ == "__main__":
    main()
