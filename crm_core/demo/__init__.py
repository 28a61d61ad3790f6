"""Demo data: a medical-device distributor in Jiangsu, Zhejiang and Shanghai."""

from crm_core.demo.seed import FIRST_REP_LOGIN, is_empty, seed_demo

__all__ = ["FIRST_REP_LOGIN", "is_empty", "seed_demo"]
