"""The building's shape: which equipment exists, its keys, and who serves whom.

Keys are derived from counts only, so the same spec always yields the same keys (provisioning
relies on that), and the spec validator can check fault targets before anything is built.
"""

from dataclasses import dataclass
from functools import cached_property

ORIENTATIONS = ("north", "east", "south", "west", "core")

# Singletons every building has: the plants that make it physically whole and its meters.
PLANT_EQUIPS = {
    "chw-plant": "chw_plant",
    "chw-pump": "pump",
    "cw-pump": "pump",
    "cooling-tower": "cooling_tower",
    "hw-plant": "hw_plant",
    "hw-pump": "pump",
}
METERS = {
    "elec-meter": "elec_meter",
    "lighting-meter": "elec_submeter",
    "plug-meter": "elec_submeter",
    "elevator-meter": "elec_submeter",  # only in buildings of more than one storey
    "kitchen-meter": "elec_submeter",
    "gas-meter": "gas_meter",
    "kitchen-gas-meter": "gas_submeter",
    "water-meter": "water_meter",
}


@dataclass(frozen=True)
class Zone:
    key: str  # the VAV box serving the zone
    floor: int  # 1-based
    orientation: str
    ahu: int  # 0-based index into Layout.ahus

    @property
    def floor_key(self):
        return floor_key(self.floor)


def floor_key(floor):
    return f"floor-{floor:02d}"


def ahu_floor_ranges(floors, ahu_count):
    """Contiguous, balanced groups of floors, one per AHU: [(first, last), ...]."""
    return tuple(
        (i * floors // ahu_count + 1, (i + 1) * floors // ahu_count) for i in range(ahu_count)
    )


@dataclass(frozen=True)
class Layout:
    floors: int
    orientations: tuple
    ahu_count: int
    chiller_count: int
    boiler_count: int

    @classmethod
    def of(cls, spec):
        eq = spec.equipment
        return cls(
            floors=spec.site.floors,
            orientations=tuple(eq.zone_orientations),
            ahu_count=eq.ahu_count,
            chiller_count=eq.chillers.count,
            boiler_count=eq.boilers.count,
        )

    @cached_property
    def ahu_floors(self):
        return ahu_floor_ranges(self.floors, self.ahu_count)

    @cached_property
    def ahus(self):
        return tuple(f"ahu-{i + 1}" for i in range(self.ahu_count))

    @cached_property
    def chillers(self):
        return tuple(f"chiller-{i + 1}" for i in range(self.chiller_count))

    @cached_property
    def boilers(self):
        return tuple(f"boiler-{i + 1}" for i in range(self.boiler_count))

    @cached_property
    def zones(self):
        """Floor-major, so each AHU's zones are one contiguous run."""
        zones = []
        for a, (first, last) in enumerate(self.ahu_floors):
            for f in range(first, last + 1):
                for o in self.orientations:
                    zones.append(Zone(key=f"vav-{f:02d}-{o}", floor=f, orientation=o, ahu=a))
        return tuple(zones)

    @cached_property
    def zone_by_key(self):
        return {z.key: z for z in self.zones}

    @cached_property
    def zone_ahu_starts(self):
        """Index of each AHU's first zone (for per-AHU reductions over zones)."""
        per_floor = len(self.orientations)
        return tuple((first - 1) * per_floor for first, _ in self.ahu_floors)

    @cached_property
    def equip_types(self):
        """key -> type for every equipment (and the weather station) in the building."""
        types = dict(PLANT_EQUIPS)
        types.update({k: "chiller" for k in self.chillers})
        types.update({k: "boiler" for k in self.boilers})
        types.update({k: "ahu" for k in self.ahus})
        types.update({z.key: "vav" for z in self.zones})
        types.update(METERS)
        if self.floors == 1:
            del types["elevator-meter"]
        types["weather"] = "weather"
        return types
