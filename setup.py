"""The compiled kernels; everything else about the package is in pyproject.toml.

setuptools rather than meson-python: ``pip install -e .`` then builds the
kernels in place, next to the source, with build isolation, in one command
from a fresh environment, and nothing rebuilds at import time (meson-python's
editable installs need the build tools installed beforehand and rebuild on
import, in every worker process).
"""

import platform
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

# A fused multiply-add rounds once where the update rule rounds twice: the
# arithmetic stays as written, so that results do not depend on the machine.
# gcc and clang contract by default and need -ffp-contract=off; MSVC does not
# contract under /fp:precise since Visual Studio 2022 (17.0), the compiler of
# cibuildwheel's Windows builds (older ones did: they need /fp:strict).
KEEP_ROUNDING = ["/fp:precise"] if sys.platform == "win32" else ["-ffp-contract=off"]

KERNELS = {"_kernels": KEEP_ROUNDING, "_full_batch_kernels": KEEP_ROUNDING}
# On x86-64 the online kernels are built a second time, for processors with
# AVX2: wider vectors, the same arithmetic (still no fused multiply-add, so
# the same bits). _compiled.py picks the build the processor runs. gcc and
# clang take -mavx2; MSVC's builds are left at the baseline.
if platform.machine().lower() in ("x86_64", "amd64") and sys.platform != "win32":
    KERNELS["_kernels_avx2"] = [*KEEP_ROUNDING, "-mavx2"]

setup(
    ext_modules=cythonize(
        [
            Extension(
                f"sklearn_neuron.{name}",
                [f"sklearn_neuron/{name}.pyx"],
                extra_compile_args=flags,
            )
            for name, flags in KERNELS.items()
        ]
    )
)
