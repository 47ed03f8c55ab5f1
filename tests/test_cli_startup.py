"""`nfzoo --help`, `nfzoo COMMAND --help` and `nfzoo list` never import TensorFlow (the console script imports the
package lazily, `nfzoo.lazy`); a plain ``import nfzoo`` still registers every saved class with Keras."""
import subprocess
import sys

import pytest

CHECK = """
import contextlib, io, sys
import nfzoo_command
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        code = nfzoo_command.main({argv!r})
    except SystemExit as exit:
        code = exit.code
heavy = sorted(m for m in ("tensorflow", "keras", "tensorflow_probability") if m in sys.modules)
print(code, heavy, len(out.getvalue()) > 0)
"""


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["sample", "--help"], ["train", "--help"],
                                  ["export", "--help"], ["evaluate", "-h"]])
def test_help_and_list_run_without_tensorflow(argv):
    out = subprocess.run([sys.executable, "-c", CHECK.format(argv=argv)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[:1] == ["0"] and "[] True" in out.stdout, out.stdout


def test_import_nfzoo_registers_the_saved_classes_and_imports_the_rest_on_use():
    script = ("import sys, keras, nfzoo\n"
              "registered = keras.saving.get_registered_object('nfzoo>FlowModel') is not None\n"
              "print(registered, 'nfzoo.zoo.loading' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["True", "False"], out.stderr[-2000:]  # registered, the zoo itself not imported yet


def test_a_zoo_model_loads_edits_and_scores_without_tensorflow_probability_until_a_view_is_asked_for():
    """TFP (~1 s of CPU to import) loads with the first TFP view (`nfzoo.bijectors.views`), not before."""
    script = ("import sys, nfzoo\n"
              "model = nfzoo.load('glow_digits')\n"
              "images = model.sample(2, seed=0)\n"
              "model.decode(model.encode(images)); model.bits_per_dim(images)\n"
              "before = 'tensorflow_probability' in sys.modules\n"
              "model.flow.flow_layers[-1].bijector\n"
              "print(before, 'tensorflow_probability' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["False", "True"], out.stderr[-2000:]
