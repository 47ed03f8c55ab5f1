"""nfzoo.machine: the machine line of cards and benchmark rows names the GPUs TensorFlow sees, or says there is none."""
from nfzoo import machine as machine_module


def test_machine_line_says_no_gpu_when_tensorflow_sees_none(monkeypatch):
    monkeypatch.setattr(machine_module, "gpu_names", lambda: [])
    assert machine_module.machine().endswith("CPU cores (" + machine_module.cpu_name() + "), no GPU")


def test_machine_line_names_and_counts_the_gpus(monkeypatch):
    monkeypatch.setattr(machine_module, "gpu_names", lambda: ["NVIDIA H200", "NVIDIA H200"])
    assert machine_module.machine().endswith(", 2 GPUs (NVIDIA H200)")
    monkeypatch.setattr(machine_module, "gpu_names", lambda: ["NVIDIA H200"])
    assert machine_module.machine().endswith(", 1 GPU (NVIDIA H200)")


def test_this_machines_gpu_list_comes_from_tensorflow():
    import tensorflow as tf

    assert len(machine_module.gpu_names()) == len(tf.config.list_physical_devices("GPU"))
