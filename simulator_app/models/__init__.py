"""Models of the platform's `core` schema, plus hsim's few additions.

The `core` tables are `managed = False`: migration 0001 creates them with explicit SQL that
matches the platform's reference DDL (IF NOT EXISTS, so an existing platform database is
adopted without touching its rows), and Django only maps them.
"""

from .access import OrgMembership, ServiceAccount
from .activity import ActivityLog
from .entities import Entity, EntityTag, OrgEntityPermission, TagDef
from .hsim import BackfillJob, SimulatorEntity
from .faults import ConfigEpoch, FaultEpisode
from .fleets import Fleet, FleetMember
from .haystack import HaystackAuthToken, HaystackWatch, ScramCredential, ScramHandshake
from .orgs import Org
from .pollers import PollerConfig, Simulator
from .recovery import AutoResume
from .state import SimulatorState
from .storage_policy import OrgStoragePolicy

__all__ = [
    "ActivityLog",
    "BackfillJob",
    "Entity",
    "EntityTag",
    "Fleet",
    "FleetMember",
    "Org",
    "OrgEntityPermission",
    "OrgMembership",
    "OrgStoragePolicy",
    "PollerConfig",
    "ServiceAccount",
    "Simulator",
    "SimulatorEntity",
    "SimulatorState",
    "TagDef",
]
