"""Fixtures by concern live in tests/fixtures/: the toy dataset, the TNTP networks, stores and a served process."""

pytest_plugins = ["fixtures.toy", "fixtures.tntp", "fixtures.stores", "fixtures.server"]
