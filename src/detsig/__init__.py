"""detsig: sensor signals of humanitarian demining.

Record metal-detector (MD) and ground-penetrating radar (GPR) data from serial devices into HDF5,
process them with streaming Numba filters, flag candidate buried objects and score detectors
against ground truth.

The top-level package stays light so that ``detsig --help`` answers fast; import the
subpackages (``detsig.model``, ``detsig.io``, ``detsig.dsp`` ...) for the real work.
"""

from detsig._version import __version__

__all__ = ["__version__"]
