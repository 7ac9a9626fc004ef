# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The kernels of _kernels.pyx, compiled for processors with AVX2.

The same source, compiled with ``-mavx2`` (see setup.py): the loops over a
row (its dot product with the weights, the update of the weights and of the
averaging's correction) then take four doubles per instruction where
x86-64's baseline, SSE2, takes two. The arithmetic does not change: no fused
multiply-add (``-ffp-contract=off``, and no ``-mfma``) and no reordering of
additions, so every result is the same to the bit (tests/test_hardening.py
checks it). :mod:`._compiled` imports this module where the processor runs it.
"""

include "_kernels.pyx"
