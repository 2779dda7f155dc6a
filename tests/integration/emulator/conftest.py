from tests.integration.emulator.helpers import (  # noqa: F401  (fixtures)
    api,
    emulator,
    integration,
    key_pair,
    listener,
    other_key_pair,
    token,
)
