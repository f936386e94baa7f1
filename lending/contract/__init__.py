"""The landing contract, declared once in ``landing_contract.yml`` and loaded here.

Ingestion checks rows against it, the dbt source definitions and the docs page are generated
from it, so the three can never disagree.
"""

from lending.contract.model import Column, Contract, Source, load_contract

__all__ = ["Column", "Contract", "Source", "load_contract"]
