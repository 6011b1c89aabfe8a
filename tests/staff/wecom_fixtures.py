"""A simulated WeCom corp and the company's settings pointing at it (tests of the WeCom server API)."""

from __future__ import annotations

import itertools

import pytest

from staff.models import WeComSettings

_corps = itertools.count(1)
APP_SECRET = "app-secret-" + "a" * 32
CONTACTS_SECRET = "contacts-secret-" + "c" * 28
AGENT_ID = 1000002


@pytest.fixture
def wecom(simulator, settings):
    """A fresh corp in the simulator (departments 客服部 2 and 仓储部 3; members zhangwei and lifang in 客服部),
    an app secret (agent 1000002, sees everything) and a contacts-sync secret; WeComSettings saved with both."""
    settings.WECOM_BASE_URL = simulator.wecom_url
    settings.WECOM_LOGIN_URL = f"{simulator.wecom_url}/_login"
    settings.WECOM_OAUTH_URL = f"{simulator.wecom_url}/_oauth"
    corpid = f"ww{next(_corps):04d}test"
    simulator.control.wecom_corp(
        {
            "corpid": corpid,
            "name": "测试公司",
            "secrets": {
                APP_SECRET: {"kind": "app", "agentid": AGENT_ID, "visible": [1]},
                CONTACTS_SECRET: {"kind": "contacts"},
            },
            "departments": [{"id": 2, "name": "客服部"}, {"id": 3, "name": "仓储部"}],
            "members": [
                {"userid": "zhangwei", "name": "张伟", "department": [2], "mobile": "13700000001"},
                {"userid": "lifang", "name": "李芳", "department": [2], "mobile": "13700000002"},
                {"userid": "creator", "name": "老板", "department": [1], "mobile": "13700000009", "creator": True},
            ],
        }
    )
    WeComSettings.objects.update_or_create(
        pk=1,
        defaults={
            "corp_id": corpid,
            "agent_id": AGENT_ID,
            "app_secret": APP_SECRET,
            "contacts_secret": CONTACTS_SECRET,
            "sign_in_enabled": True,
            "sync_members": True,
        },
    )
    simulator.corpid = corpid
    return simulator
