"""Small parts of the trainer: the step-time split and generation without the mixed-precision wrapper."""

from __future__ import annotations

import pytest

from recode.train.trainer import plain_forward, step_timings


def test_step_timings_split_and_rates():
    t = step_timings(8.0, {"generation_s": 5.0, "reward_s": 1.0, "completion_tokens": 1000.0})
    assert t["time/update_s"] == 2.0 and t["tokens/generation_per_s"] == 200.0 and t["tokens/step_per_s"] == 125.0
    empty = step_timings(0.0, {"generation_s": 0.0, "reward_s": 0.0, "completion_tokens": 0.0})
    assert empty["tokens/step_per_s"] == 0 and empty["tokens/generation_per_s"] == 0


def test_plain_forward_swaps_out_the_autocast_wrapper_and_restores_it():
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.is_autocast_enabled("cpu")

    net = Net()
    net._original_forward = net.forward
    wrapped = torch.autocast("cpu", dtype=torch.bfloat16)(net._original_forward)
    net.forward = wrapped
    assert net(torch.zeros(1)) is True  # what accelerate's wrapper does under bf16 mixed precision
    with plain_forward(net):
        assert net(torch.zeros(1)) is False
    assert net.forward is wrapped
    with plain_forward(Net()):  # nothing to swap: a no-op apart from autocast being off
        pass
