"""loopsource: circular-procurement knowledge graphs."""
__version__ = "0.1.0"
