"""The pure core: plain values in, plain values out. No I/O here; time arrives as ``now``."""
