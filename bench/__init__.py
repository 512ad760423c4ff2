"""Benchmarks of cxm (see bench/README.md); run with `make bench`."""
