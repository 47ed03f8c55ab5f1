"""What machine a measurement ran on (for model cards and benchmark rows)."""
import os
import platform


def cpu_name():
    """The CPU model name from /proc/cpuinfo (``platform.processor()`` where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                        platform.processor())
    except OSError:
        return platform.processor()


def gpu_names():
    """The names of the GPUs TensorFlow sees, e.g. ``["NVIDIA H200"]`` (imports TensorFlow)."""
    import tensorflow as tf

    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")]


def machine():
    """E.g. ``"2 CPU cores (Intel(R) Xeon(R) Processor), no GPU"`` or ``"16 CPU cores (...), 1 GPU (NVIDIA
    H200)"`` (the model cards' and benchmarks' machine line)."""
    gpus = gpu_names()
    gpu = f"{len(gpus)} GPU{'s' if len(gpus) > 1 else ''} ({', '.join(dict.fromkeys(gpus))})" if gpus else "no GPU"
    return f"{os.cpu_count()} CPU cores ({cpu_name()}), {gpu}"
