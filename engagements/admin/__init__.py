"""Admin of the engagements app: what operations staff use every day."""

from engagements.admin import registry  # noqa: F401
from engagements.admin import imports  # noqa: F401
