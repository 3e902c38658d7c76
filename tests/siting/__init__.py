"""Tests of the siting building blocks: packing, MCDA methods and robustness."""
