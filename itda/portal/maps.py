"""Seoul's 25 districts as inline SVG paths, projected once per process.

The boundaries are WGS84 GeoJSON. An equirectangular projection scaled by
cos(37.55°), Seoul's middle latitude, keeps shapes true enough at city scale
without a map library, tiles or network. Boundaries never change while the
platform runs, so the projected paths are computed on first use and kept.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from itda.places.models import District

MIDDLE_LATITUDE = 37.55
WIDTH = 1000.0
MARGIN = 10.0

_lock = threading.Lock()
_cached: SeoulMap | None = None


@dataclass(frozen=True)
class Projection:
    west: float
    north: float
    scale: float

    def point(self, longitude: float, latitude: float) -> tuple[float, float]:
        """SVG x, y (y grows southwards) for a WGS84 longitude and latitude."""
        x = MARGIN + (longitude - self.west) * math.cos(math.radians(MIDDLE_LATITUDE)) * self.scale
        y = MARGIN + (self.north - latitude) * self.scale
        return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class DistrictShape:
    code: str
    path: str
    centre: tuple[float, float]


@dataclass(frozen=True)
class SeoulMap:
    width: float
    height: float
    projection: Projection
    shapes: tuple[DistrictShape, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    def centre_of(self, code: str) -> tuple[float, float] | None:
        for shape in self.shapes:
            if shape.code == code:
                return shape.centre
        return None


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _path(rings: list[list[list[float]]], projection: Projection) -> str:
    parts = []
    for ring in rings:
        points: list[tuple[float, float]] = []
        for longitude, latitude, *_rest in ring:
            point = projection.point(longitude, latitude)
            if not points or points[-1] != point:
                points.append(point)
        if len(points) < 3:
            continue
        parts.append("M" + " L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    return "".join(parts)


def _build() -> SeoulMap | None:
    districts = list(
        District.objects.exclude(boundary_geojson=None)
        .only("code", "boundary_geojson", "centroid_lat", "centroid_lon")
        .order_by("code")
    )
    if not districts:
        return None
    coordinates = [
        (longitude, latitude)
        for district in districts
        for ring in _rings(district.boundary_geojson)
        for longitude, latitude, *_rest in ring
    ]
    west = min(longitude for longitude, _latitude in coordinates)
    east = max(longitude for longitude, _latitude in coordinates)
    south = min(latitude for _longitude, latitude in coordinates)
    north = max(latitude for _longitude, latitude in coordinates)
    span = (east - west) * math.cos(math.radians(MIDDLE_LATITUDE))
    projection = Projection(west=west, north=north, scale=(WIDTH - 2 * MARGIN) / span)
    height = round(2 * MARGIN + (north - south) * projection.scale, 1)
    shapes = []
    for district in districts:
        if district.centroid_lat is not None and district.centroid_lon is not None:
            centre = projection.point(district.centroid_lon, district.centroid_lat)
        else:
            ring = _rings(district.boundary_geojson)[0]
            centre = projection.point(sum(point[0] for point in ring) / len(ring), sum(point[1] for point in ring) / len(ring))
        shapes.append(DistrictShape(district.code, _path(_rings(district.boundary_geojson), projection), centre))
    return SeoulMap(width=WIDTH, height=height, projection=projection, shapes=tuple(shapes))


def seoul_map() -> SeoulMap | None:
    """The projected districts, or None while no boundaries are loaded (then nothing is cached)."""
    global _cached  # noqa: PLW0603 - a per-process cache of data that never changes at run time
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = _build()
    return _cached
