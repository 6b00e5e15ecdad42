"""kistrade benchmarks: each module prints its figure and its ratio to the peer measured in the same run."""
