"""Reading a flow's weights back out of one of its exported SavedModels, so a zoo entry keeps one copy of them.

`export_serving` tracks ``[w.value for w in flow.weights]`` (plus, for models with attribute directions, the
directions table after them) as the module's ``saved_variables`` list, so the SavedModel's checkpoint holds the
flow's weights in ``flow.weights`` order under ``saved_variables/<i>/.ATTRIBUTES/VARIABLE_VALUE``. A flow built
from the same architecture has the same weights in the same order; `restore_flow_weights` assigns them.
"""
from pathlib import Path

import tensorflow as tf

KEY = "saved_variables/{}/.ATTRIBUTES/VARIABLE_VALUE"


def restore_flow_weights(flow, version_dir):
    """Assigns every weight of the built ``flow`` from the SavedModel at ``version_dir`` (``<base>/<version>/``).
    A checkpoint that does not fit the architecture (another model, a truncated file) raises one ValueError
    naming the first weight that does not fit."""
    prefix = Path(version_dir) / "variables" / "variables"
    try:
        reader = tf.train.load_checkpoint(str(prefix))
    except (tf.errors.OpError, ValueError) as error:
        raise ValueError(f"{version_dir} holds no readable SavedModel variables ({error.__class__.__name__})") from None
    shapes = reader.get_variable_to_shape_map()
    for i, weight in enumerate(flow.weights):
        key = KEY.format(i)
        if key not in shapes or list(shapes[key]) != list(weight.shape):
            found = shapes.get(key, "nothing")
            raise ValueError(f"{version_dir} does not fit this architecture: weight {i} ({weight.path}) expects shape "
                             f"{list(weight.shape)}, the SavedModel holds {found}")
        weight.assign(reader.get_tensor(key))
    return flow
