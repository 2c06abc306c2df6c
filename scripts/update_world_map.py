"""Copy the Natural Earth 1:110m countries from the npm package world-atlas into the package.

npm ci --prefix scripts && python scripts/update_world_map.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "scripts" / "node_modules" / "world-atlas"
TARGET = REPO / "src" / "peacekb" / "geodata"


def main() -> int:
    data = SOURCE / "countries-110m.json"
    if not data.is_file():
        print(f"error: {data} not found; run: npm ci --prefix scripts", file=sys.stderr)
        return 1
    topology = json.loads(data.read_text(encoding="utf-8"))
    if topology.get("type") != "Topology" or "countries" not in topology.get("objects", {}):
        print(f"error: {data} is not the expected TopoJSON", file=sys.stderr)
        return 1
    shutil.copyfile(data, TARGET / "countries-110m.json")
    shutil.copyfile(SOURCE / "LICENSE", TARGET / "LICENSE-world-atlas")
    version = json.loads((SOURCE / "package.json").read_text(encoding="utf-8"))["version"]
    count = len(topology["objects"]["countries"]["geometries"])
    print(f"copied world-atlas {version}: {count} countries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
