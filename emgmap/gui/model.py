"""The gauges' model moved to the application layer (:mod:`emgmap.app.gauges`);
this name stays only until the window draws ``LiveState`` (issue 12)."""
from ..app.gauges import GaugesModel as IndicesModel

__all__ = ["IndicesModel"]
