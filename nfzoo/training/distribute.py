"""tf.distribute strategies by name: ``default`` (one device), ``mirrored`` (all local GPUs, or CPUs
when ``logical_cpus`` splits the CPU into devices, as in tests) and ``multiworker`` (MultiWorkerMirrored,
configured by the ``TF_CONFIG`` environment variable of each worker)."""
import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker")


def get_strategy(name=None, logical_cpus=0):
    name = name or "default"
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}.")
    if logical_cpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()
