"""Sales → Register a Deal: the steps (`steps`) and the answers kept in the session (`state`).
The service that registers is `portal.registration`."""

from portal.wizard.steps import SLUGS, STEPS

__all__ = ["SLUGS", "STEPS"]
