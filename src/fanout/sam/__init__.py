"""The SAM template as data: loading it, its parameters and outputs (used by the cost estimate, `sql check`,
the benchmarks and the offline deployer alike)."""
