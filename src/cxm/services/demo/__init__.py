"""The demo company: a realistic Polish multi-channel telecom & home-services provider
generated from the default taxonomy (customers, employees of every department,
interactions along the journeys, survey answers, relationship NPS, reviews and word of
mouth, with Polish and English comments), imported through the ingest service, with three
planted effects that analysis must find (see :mod:`cxm.services.demo.effects` and
``docs/demo.md``)."""

from cxm.services.demo.runner import (
    DEMO_USERS,
    DemoMarker,
    DemoSummary,
    DemoUser,
    demo_source_dir,
    ensure_demo_users,
    existing_demo,
    generate_demo,
)
from cxm.services.demo.source import SIZES, DemoSize, DemoSource, write_demo_source

__all__ = [
    "DEMO_USERS",
    "SIZES",
    "DemoMarker",
    "DemoSize",
    "DemoSource",
    "DemoSummary",
    "DemoUser",
    "demo_source_dir",
    "ensure_demo_users",
    "existing_demo",
    "generate_demo",
    "write_demo_source",
]
