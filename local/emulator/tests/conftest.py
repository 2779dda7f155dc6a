"""The emulator's own tests: each starts an emulator of its own on a free loopback port; they
need neither moto nor the connector's code."""

from local.emulator.tests.helpers import (  # noqa: F401  (fixtures)
    api,
    emulator,
    integration,
    key_pair,
    listener,
    other_key_pair,
    token,
)
from local.emulator.tests.sdk_helpers import sdk, tls_emulator  # noqa: F401  (fixtures)
