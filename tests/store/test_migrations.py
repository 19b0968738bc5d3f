"""The migrations form one chain: one head, each revision once, every store upgraded to it."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from corridor.store.database import MIGRATIONS, Store


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_one_head_and_one_chain() -> None:
    scripts = _scripts()
    assert len(scripts.get_heads()) == 1, f"migrations have several heads: {scripts.get_heads()}"
    chain = list(scripts.walk_revisions())
    assert chain[-1].down_revision is None and len({r.revision for r in chain}) == len(chain)


def test_a_new_store_is_at_the_head(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 's.sqlite'}") as store, store.engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert version == _scripts().get_current_head()
