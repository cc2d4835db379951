"""Admin of the engagements app: what operations staff use every day."""

# Imported for their side effect: each module registers its ModelAdmins.
from engagements.admin import auth, registry  # noqa: F401
