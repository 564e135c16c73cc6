"""Write a migration from the difference between the models and the migrations so far.

    python scripts/migration.py "add widgets"     # a new revision on top of head
    python scripts/migration.py --initial          # before the first release: rewrite 0001

Until onwatch's first release the whole schema lives in revision 0001, rewritten with
--initial whenever a model changes; after it, every change is a new revision.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from onwatch.core.db import Database
from onwatch.migrations.runner import HERE, _config


def main(argv: list[str]) -> None:
    initial = "--initial" in argv
    message = next((a for a in argv if not a.startswith("--")), "initial schema")
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        config = _config(db)
        if initial:
            for old in (HERE / "versions").glob("0001_*.py"):
                old.unlink()
            command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
        else:
            command.upgrade(config, "head")
            command.revision(config, message=message, autogenerate=True)
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
