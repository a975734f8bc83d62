"""The portal's demo data."""

from eduplatform.portal import disclosure_seed


def seed_demo(log):
    return disclosure_seed.seed_demo(log) or []
