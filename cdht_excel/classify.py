"""Compatibility: classification moved to `cdht_excel.schemes` (one object per scheme)."""
from cdht_excel.schemes import UNCLASSIFIED, Classification, classify, level_class, points_class

__all__ = ["UNCLASSIFIED", "Classification", "classify", "level_class", "points_class"]
