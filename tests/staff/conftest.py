from tests.staff.grants import grant  # noqa: F401  (the `grant` fixture for tests/staff)
