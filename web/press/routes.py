"""The press programme in the browser: journalists, outlets, trips, letters, coverage, reports
and the itinerary feeds. Each group of views lives in its own module on the one blueprint."""

from web.press import (  # noqa: F401  (importing them registers their views)
    coverage_views,
    itinerary_views,
    journalist_views,
    trip_views,
)
from web.press.common import blueprint

__all__ = ["blueprint"]
