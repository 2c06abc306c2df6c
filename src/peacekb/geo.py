"""Country shapes from the packaged TopoJSON (Natural Earth 1:110m, via world-atlas).

TopoJSON stores shared borders once as quantised, delta-encoded arcs; :func:`countries`
decodes them into plain polygons of ``(longitude, latitude)`` rings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Country:
    id: str
    name: str
    polygons: list[list[Ring]]

    def bbox(self) -> tuple[float, float, float, float]:
        points = [p for polygon in self.polygons for ring in polygon for p in ring]
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        return min(lons), min(lats), max(lons), max(lats)


def _decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: Ring = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    ring: Ring = []
    for index in indexes:
        # A negative index ~i means arc i reversed; consecutive arcs share their end point.
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(points[1:] if ring else points)
    return ring


@cache
def countries() -> tuple[Country, ...]:
    text = resources.files("peacekb").joinpath("geodata/countries-110m.json").read_text("utf-8")
    topology = json.loads(text)
    arcs = _decode_arcs(topology)
    result = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            shapes = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            shapes = geometry["arcs"]
        else:
            continue
        polygons = [[_ring(arcs, ring) for ring in shape] for shape in shapes]
        name = geometry.get("properties", {}).get("name", "")
        result.append(Country(str(geometry.get("id", name)), name, polygons))
    return tuple(result)
