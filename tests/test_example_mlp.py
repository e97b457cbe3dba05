"""examples/train_mlp.py: its gradients (fastact's gelu_backward and
log_softmax_backward inside a hand-written backward pass) against
torch.autograd, and a few training steps lowering the loss."""

import importlib.util
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _example():
    spec = importlib.util.spec_from_file_location("train_mlp", os.path.join(ROOT, "examples", "train_mlp.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gradients_match_torch_autograd():
    torch = pytest.importorskip("torch")
    ex = _example()
    x, y = ex.make_data(n=64, dtype=np.float64)
    p = ex.init_params(x.shape[1], 16, int(y.max()) + 1, dtype=np.float64)
    loss, g = ex.loss_and_grads(p, x, y)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    h = torch.tensor(x) @ tp["W1"] + tp["b1"]
    z = torch.nn.functional.gelu(h) @ tp["W2"] + tp["b2"]
    tl = torch.nn.functional.cross_entropy(z, torch.tensor(y))
    tl.backward()
    assert abs(loss - tl.item()) < 1e-12
    for k in p:
        np.testing.assert_allclose(g[k], tp[k].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


def test_loss_goes_down():
    ex = _example()
    _, losses = ex.train(steps=40, batch=64, hidden=32, verbose=False)
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5]), (losses[:5], losses[-10:])
