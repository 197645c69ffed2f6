"""The parts of a GPU measurement that run anywhere: LoRA made where the base lives, the
settle-wait before a process touches the device, and the timeline of a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from verifiers._qlora_build import attach_lora, base_device, build_quantized_llama, declare_llama
from verifiers._qlora_measure import _alive, device_settled
from verifiers._qlora_tiny import TINY

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))  # (after tests/)
from gpu_timeline import summarise  # noqa: E402


@pytest.mark.parametrize(("lora_dtype", "dtype"), [("bf16", "bfloat16"), ("fp32", "float32")])
def test_lora_is_made_where_the_base_is_in_the_configurations_dtype(lora_dtype, dtype):
    model = attach_lora(build_quantized_llama(TINY, "cpu"), r=8, lora_dtype=lora_dtype)
    lora = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert len(lora) == 2 * 7 * TINY.layers
    shapes = TINY.linear_shapes()
    for name, param in lora.items():
        linear = name.split(".")[-4]
        out_f, in_f = shapes[linear]
        assert str(param.dtype) == f"torch.{dtype}" and param.device.type == "cpu"
        assert tuple(param.shape) == ((8, in_f) if ".lora_A." in name else (out_f, 8))
    # B starts at zero, A does not: the adapter adds nothing before the first step
    assert all(p.abs().sum() == 0 for n, p in lora.items() if ".lora_B." in n)
    assert all(p.abs().sum() > 0 for n, p in lora.items() if ".lora_A." in n)


def test_on_a_meta_base_the_adapters_take_no_memory_anywhere():
    model = declare_llama(TINY)
    assert base_device(model).type == "meta"
    lora = [p for p in attach_lora(model, r=8).parameters() if p.requires_grad]
    assert lora and all(p.device.type == "meta" for p in lora)


def test_an_ended_process_is_not_alive_and_the_settle_wait_is_bounded():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert _alive(child.pid) is False
    import os

    assert _alive(os.getpid()) is True
    waited = device_settled(poll_s=0.01, still_s=0.05, cap_s=1.0)
    assert 0.0 <= waited <= 1.5  # 0 where there is no NVML


def test_the_timeline_names_the_lanes_and_the_largest_gaps():
    events = [(100.0, 1, "runner: 2 CPU jobs on 1 worker(s), 1 GPU jobs"),
              (100.0, 1, "gpu job 0 (lora.qlora_memory) starts"),
              (100.1, 1, "cpu job lora.param_count (cpu) sent"),
              (101.0, 7, "measurement process started"),
              (109.0, 7, "imported bitsandbytes, peft, transformers"),
              (110.1, 1, "cpu job lora.param_count answered"),
              (120.0, 7, "reference: trained"),
              (130.0, 1, "gpu job 0 ended, its worker gone")]
    text = summarise(events)
    assert "GPU lane (first GPU job starts to last ends): 30.0 s" in text
    assert "CPU jobs, sent to answered, summed: 10.0 s" in text
    gaps = text.split("largest gaps")[1].splitlines()[1:]
    # the runner's process waits 19.9 s for the GPU job; the measurement trains for 11 s
    assert "19.90 s" in gaps[0] and "gpu job 0 ended" in gaps[0]
    assert "11.00 s" in gaps[1] and "imported bitsandbytes" in gaps[1] and "trained" in gaps[1]
