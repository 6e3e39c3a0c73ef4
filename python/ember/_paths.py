"""Where the installed ember C++ core lives, for building C++ code against it.

``pip install .`` puts the core inside the package: headers in ``ember/include``, the static
library (and pkg-config file) in ``ember/lib``, the CMake package in
``ember/share/cmake/ember``. Like pybind11's helpers::

    cmake -Dember_DIR=$(python -c "import ember; print(ember.cmake_dir())") ...

A developer build (tools/dev_build.sh) does not lay these out; the functions then raise
FileNotFoundError saying how to install the core (``cmake --install``).
"""
import os as _os

__all__ = ["cmake_dir", "include_dir", "lib_dir"]

_ROOT = _os.path.dirname(_os.path.abspath(__file__))


def _existing(rel, what):
    path = _os.path.join(_ROOT, *rel.split("/"))
    if not _os.path.isdir(path):
        raise FileNotFoundError(
            f"[{what}] expected the ember C++ core installed in the package at '{path}', "
            "found nothing: this ember is not a pip-installed one (e.g. a developer build); "
            "install the core with `cmake --install <build dir> --prefix <dir>` and use "
            "<dir>/lib/cmake/ember instead")
    return path


def cmake_dir():
    """The directory holding emberConfig.cmake (pass it as ember_DIR to CMake)."""
    return _existing("share/cmake/ember", "cmake_dir")


def include_dir():
    """The directory to add to the include path (it holds ember/ember.h)."""
    return _existing("include", "include_dir")


def lib_dir():
    """The directory holding libember (and pkgconfig/ember.pc)."""
    return _existing("lib", "lib_dir")
