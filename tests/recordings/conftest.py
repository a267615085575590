from types import SimpleNamespace

import pytest

from recsupport import record_session


@pytest.fixture
def recorded(tmp_path):
    session, rec, status = record_session(tmp_path / "session.h5")
    return SimpleNamespace(path=status.path and rec.path, session=session, recorder=rec, status=status)
