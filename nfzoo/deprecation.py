"""Old import paths that keep working for one release, with a DeprecationWarning naming the new one.

A module whose names moved ends with ``__getattr__ = moved(__name__, {new_module: names, ...})`` (PEP 562):
reading one of ``names`` from the old module warns and returns the object from its ``new_module``; other names
fail as usual.
"""
import importlib
import warnings

UNTIL = "nfzoo 0.2"  # the release that drops the old paths


def moved(old_name, new_homes):
    """A module-level ``__getattr__`` for the module ``old_name``, whose names now live in other modules:
    ``new_homes`` maps each new module (or its dotted name, imported on first use) to the names it took."""
    home = {name: module for module, names in new_homes.items() for name in names}

    def __getattr__(name):
        if name not in home:
            raise AttributeError(f"module {old_name!r} has no attribute {name!r}")
        module = importlib.import_module(home[name]) if isinstance(home[name], str) else home[name]
        warnings.warn(f"{old_name}.{name} moved to {module.__name__}.{name}; the old import works until {UNTIL}",
                      DeprecationWarning, stacklevel=2)
        return getattr(module, name)

    return __getattr__
