"""Load stage: the CSV input contract, the loader and the build of a store."""
from __future__ import annotations

from .loader import LoadResult, load_directory
from .build import BuildResult, build

__all__ = ["LoadResult", "load_directory", "BuildResult", "build"]
