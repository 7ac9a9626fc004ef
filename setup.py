"""The compiled kernels; everything else about the package is in pyproject.toml.

setuptools rather than meson-python: ``pip install -e .`` then builds the
kernels in place, next to the source, with build isolation, in one command
from a fresh environment, and nothing rebuilds at import time (meson-python's
editable installs need the build tools installed beforehand and rebuild on
import, in every worker process).
"""

import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

# A fused multiply-add rounds once where the update rule rounds twice: the
# arithmetic stays as written, so that results do not depend on the machine.
# gcc and clang contract by default and need -ffp-contract=off; MSVC does not
# contract under /fp:precise since Visual Studio 2022 (17.0), the compiler of
# cibuildwheel's Windows builds (older ones did: they need /fp:strict).
KEEP_ROUNDING = ["/fp:precise"] if sys.platform == "win32" else ["-ffp-contract=off"]

KERNELS = ["_kernels", "_full_batch_kernels"]

setup(
    ext_modules=cythonize(
        [
            Extension(
                f"sklearn_neuron.{name}",
                [f"sklearn_neuron/{name}.pyx"],
                extra_compile_args=KEEP_ROUNDING,
            )
            for name in KERNELS
        ]
    )
)
