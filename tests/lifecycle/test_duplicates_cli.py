"""``objectry duplicates rebuild``: keys a rule's records from the command line, and
with ``--force`` repairs keys lost outside the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from objectry.platform.cli import main
from objectry.platform.services import Services
from objectry.runtime.lifecycle.duplicates.key_tables import duplicate_keys
from tests.conftest import Api, TenantHandle
from tests.lifecycle.support import NAME_PHONE, create, crm, rule


def _duplicates_of(api: Api, record_id: str) -> list[str]:
    found = api.get(f"/api/v1/records/lead/{record_id}/duplicates").get_json()["items"]
    return [i["id"] for i in found]


def test_rebuild_repairs_lost_keys_only_when_forced(
        api: Api, tenant: TenantHandle, services: Services, settings: Any,
        tmp_path: Path) -> None:
    crm(api, tenant)
    rule(api, "lead_phone", NAME_PHONE)
    first = create(api, "lead", full_name="Zhang San", mobile="021-62991640")
    second = create(api, "lead", full_name="zhang san", mobile="+86 21 6299 1640")
    assert _duplicates_of(api, first) == [second]
    with services.connection() as conn:  # keys lost by a hand edit of the database
        conn.execute(duplicate_keys.delete().where(duplicate_keys.c.rule == "lead_phone"))
    assert _duplicates_of(api, first) == []
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    args = ["duplicates", "rebuild", "lead_phone", "--tenant", tenant.slug]
    current = runner.invoke(main, args, env=env, catch_exceptions=False)
    assert current.exit_code == 0, current.output
    assert "lead_phone: already current, 0 keys" in current.output
    forced = runner.invoke(main, [*args, "--force"], env=env, catch_exceptions=False)
    assert forced.exit_code == 0, forced.output
    assert "lead_phone: rebuilt, 2 keys" in forced.output
    assert _duplicates_of(api, first) == [second]


def test_rebuild_of_an_unknown_rule_says_so(tenant: TenantHandle, settings: Any,
                                            tmp_path: Path) -> None:
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    answer = CliRunner().invoke(main, ["duplicates", "rebuild", "nope", "--tenant",
                                       tenant.slug], env=env)
    assert answer.exit_code == 1
    assert "nope" in answer.output and "Traceback" not in answer.output
