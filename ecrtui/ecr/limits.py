"""ECR's size limits for layer uploads, named once for the engine, the forms, the hints and the
local backend."""

from __future__ import annotations

MiB = 1024 * 1024

# Every part but the last must be at least this big, or CompleteLayerUpload fails with
# LayerPartTooSmallException.
MIN_PART_SIZE = 5 * MiB
# The largest part ECR accepts through the API (the service quotas page), and the partSize that
# InitiateLayerUpload advertises.
MAX_PART_SIZE = 10 * MiB
DEFAULT_PART_SIZE = MAX_PART_SIZE
# The most parts one upload may have.
MAX_PARTS = 4200
# The largest layer ECR stores.
MAX_LAYER_SIZE = 52_000 * MiB


def size_words(size: int) -> str:
    """5 MiB, 10 MiB, 52000 MiB: how the limits read in messages."""
    return f"{size // MiB} MiB" if size % MiB == 0 else f"{size} bytes"
