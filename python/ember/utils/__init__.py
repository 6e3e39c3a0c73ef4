"""ember.utils: training helpers (data loading)."""
from . import data  # noqa: F401
