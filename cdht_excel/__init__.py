"""cdht-excel: the yearly "Cộng đồng học tập" self-assessment in Excel.

Stages of the flow, one module each: rubric, plan, template, read, merge, check,
classify, report, district. The cores are pure; `cli` is a thin click layer.
"""

__version__ = "0.1.0"
