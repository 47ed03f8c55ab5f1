"""Package namespaces that import on first use (PEP 562): a package's ``__init__`` names where each public name
lives and imports nothing, so importing the package costs nothing until a name is read. This is what lets
`nfzoo --help` and `nfzoo list` run without importing TensorFlow.

    __getattr__, __dir__ = lazy_exports(__name__, {"load": "nfzoo.zoo.loading", ...})
"""
import importlib
import sys


def lazy_exports(package, exports, fallback=None):
    """``(__getattr__, __dir__)`` for the module ``package``, whose public names live in submodules: ``exports``
    maps each name to the module that defines it, imported when the name is first read (then cached on the
    package). Other names go to ``fallback`` (e.g. a `nfzoo.deprecation.moved` ``__getattr__``) or fail as
    usual. A name must not also be a submodule's name (importing that submodule would shadow it)."""

    def __getattr__(name):
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
