"""The compiled kernels this processor runs fastest.

``kernels`` is ``_kernels`` built for x86-64's baseline or, on a processor
with AVX2, the same source built for it (``_kernels_avx2``: the same results
to the bit, online epochs in less time). The package calls the online
kernels through ``kernels``.
"""

from . import _kernels


def fastest_kernels():
    """The AVX2 build where the processor runs it and the install has it, else the baseline."""
    if _kernels.processor_has_avx2():
        try:
            from . import _kernels_avx2
        except ImportError:  # built where setup.py gives no AVX2 flag
            return _kernels
        return _kernels_avx2
    return _kernels


kernels = fastest_kernels()
