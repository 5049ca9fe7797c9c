"""python -m kam: the command line (kam.cli.main)."""
from kam.cli.main import main  # noqa: F401
