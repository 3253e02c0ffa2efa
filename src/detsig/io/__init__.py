"""File input and output: the detsig HDF5 recording format and vendor format readers."""
