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


def machine():
    """E.g. ``"2 CPU cores (Intel(R) Xeon(R) Processor), no GPU"`` (the model cards' machine line)."""
    return f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU"
