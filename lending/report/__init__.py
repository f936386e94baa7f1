"""The HTML report: one self-contained page of the published marts (see ``build.py``)."""

from lending.report.build import REPORT_NAME, build_report

__all__ = ["REPORT_NAME", "build_report"]
