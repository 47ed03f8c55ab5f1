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
