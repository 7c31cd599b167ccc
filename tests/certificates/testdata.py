"""Where the public standards' test data is (`shared/testdata/`, kept outside the project tree).

Looked up in this order: the CAPNUM_TESTDATA environment variable (when set, the only place looked at),
`<repo>/../shared/testdata`, then `/work/shared/testdata`. When none exists the test is skipped, or
fails when CAPNUM_REQUIRE_SERVICES=1 (CI), so that a missing copy cannot pass unnoticed there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FALLBACKS = (REPO.parent / "shared" / "testdata", Path("/work/shared/testdata"))


def locate_testdata() -> Path:
    """The test data directory; skips (or fails under CAPNUM_REQUIRE_SERVICES=1) when it cannot be found."""
    configured = os.environ.get("CAPNUM_TESTDATA")
    candidates = (Path(configured),) if configured else FALLBACKS
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    where = f"CAPNUM_TESTDATA={configured}" if configured else " or ".join(str(path) for path in FALLBACKS)
    message = f"needs the standards' test data (shared/testdata): not found at {where}"
    if os.environ.get("CAPNUM_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)
