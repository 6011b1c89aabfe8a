"""The demo company's people (run by `manage.py seed_demo` through core.seeding): the admin, departments,
positions, staff and department managers — created through the staff services, so each is audited.

Idempotent: every row is looked up by its natural key first and only what is missing is created; it never
changes or deletes what is already there.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

from django.conf import settings

from audit.services import SECRET_MARK, record, snapshot
from core.permissions import PermissionSet
from core.seeding import Seed, demo_world

from . import services as staff_services
from .models import Department, Position, Staff, WeComSettings
from .services import STAFF_AUDIT_FIELDS
from .wecom_services import wecom_settings_update

ADMIN_USERNAME = "admin"

DEPARTMENTS = [
    ("客服部", "回复买家咨询，处理订单问题与售后。"),
    ("仓储部", "收货、上架、拣货、打包与发货，维护库存准确。"),
    ("运营部", "店铺日常运营、活动报名与数据分析。"),
    ("广告与市场", "平台广告投放、促销活动与预算。"),
    ("财务", "平台结算、费用核对、回款与报表。"),
    ("技术/IT", "系统、账号与接口的维护。"),
    ("行政/人事", "入职、离职、考勤与行政事务。"),
    ("店铺管理", "各店铺的主负责人与备份负责人。"),
]

POSITIONS = [
    ("客服-初级", "客服部", "回复买家咨询，按 SOP 处理订单问题和简单售后。"),
    ("客服-高级", "客服部", "处理复杂售后与纠纷，审核退款，带教初级客服。"),
    ("仓储", "仓储部", "收货、上架、拣货、打包发货，每日盘点低库存商品。"),
    ("运营-数据", "运营部", "分析店铺销售与流量数据，制作日报和周报。"),
    ("广告", "广告与市场", "投放并优化平台广告，管理促销活动与广告预算。"),
    ("财务", "财务", "核对平台结算、费用与回款，出具财务报表。"),
    ("店铺管理员", "店铺管理", "负责店铺的整体运营与设置，担任店铺主/备负责人。"),
]

# username, employee ID, name, position, department, mobile, WeCom userid, hire date
STAFF = [
    ("wangfang", "E1001", "王芳", "客服-初级", "客服部", "13800010001", "WangFang", date(2023, 3, 1)),
    ("lina", "E1002", "李娜", "客服-初级", "客服部", "13800010002", "LiNa", date(2024, 2, 19)),
    ("zhangwei", "E1003", "张伟", "客服-高级", "客服部", "13800010003", "ZhangWei", date(2021, 7, 5)),
    ("liuyang", "E1004", "刘洋", "客服-高级", "客服部", "13800010004", "LiuYang", date(2022, 4, 11)),
    ("chenjing", "E1005", "陈静", "仓储", "仓储部", "13800010005", "ChenJing", date(2021, 9, 1)),
    ("yanglei", "E1006", "杨磊", "仓储", "仓储部", "13800010006", "YangLei", date(2023, 8, 14)),
    ("zhaomin", "E1007", "赵敏", "运营-数据", "运营部", "13800010007", "ZhaoMin", date(2020, 11, 2)),
    ("huangqiang", "E1008", "黄强", "运营-数据", "运营部", "13800010008", "HuangQiang", date(2023, 5, 22)),
    ("zhouting", "E1009", "周婷", "广告", "广告与市场", "13800010009", "ZhouTing", date(2022, 1, 10)),
    ("wujun", "E1010", "吴俊", "广告", "广告与市场", "13800010010", "WuJun", date(2024, 6, 3)),
    ("xuli", "E1011", "徐丽", "财务", "财务", "13800010011", "XuLi", date(2020, 3, 16)),
    ("sunhao", "E1012", "孙浩", "店铺管理员", "店铺管理", "13800010012", "SunHao", date(2019, 10, 8)),
    ("machao", "E1013", "马超", "店铺管理员", "店铺管理", "13800010013", "MaChao", date(2021, 2, 25)),
    ("zhulin", "E1014", "朱琳", "店铺管理员", "店铺管理", "13800010014", "ZhuLin", date(2022, 8, 29)),
    ("hubin", "E1015", "胡斌", None, "技术/IT", "13800010015", "HuBin", date(2020, 6, 1)),
    ("guoying", "E1016", "郭颖", None, "行政/人事", "13800010016", "GuoYing", date(2021, 12, 6)),
]

MANAGERS = {
    "客服部": "zhangwei",
    "仓储部": "chenjing",
    "运营部": "zhaomin",
    "广告与市场": "zhouting",
    "财务": "xuli",
    "技术/IT": "hubin",
    "行政/人事": "guoying",
    "店铺管理": "sunhao",
}


def admin_password(*, create: bool = True) -> str | None:
    """SHOPCREW_ADMIN_PASSWORD if set; else the one in var/admin_password, generated (mode 0600) once."""
    from_env = os.environ.get("SHOPCREW_ADMIN_PASSWORD", "")
    if from_env:
        return from_env
    path = Path(settings.VAR_DIR) / "admin_password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def seed_admin(seed: Seed) -> None:
    """The superuser "admin", created directly (there is nobody yet to create it) and audited."""
    admin = Staff.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = Staff(
            username=ADMIN_USERNAME,
            name="管理员",
            employee_id="A0001",
            email="admin@example.com",
            is_superuser=True,
            is_staff=True,
            hire_date=date(2019, 1, 1),
        )
        admin.set_password(admin_password())
        admin.full_clean()
        admin.save()
        after = snapshot(admin, (*STAFF_AUDIT_FIELDS, "is_superuser"))
        after["password"] = SECRET_MARK
        record("staff.create", target=admin, after=after)
        seed.created("admin")
    # The seed acts as the admin with every right, whichever permission loader is installed (roles
    # are seeded by a later step, so the admin may hold no binding yet).
    admin._shopcrew_perms = PermissionSet(super_admin=True)
    seed.admin = admin


def seed_departments(seed: Seed) -> None:
    existing = {d.name: d for d in Department.objects.filter(name__in=[name for name, _ in DEPARTMENTS])}
    for name, description in DEPARTMENTS:
        if name not in existing:
            existing[name] = staff_services.department_create(actor=seed.admin, name=name, description=description)
            seed.created("departments")
    seed.departments.update(existing)


def seed_positions(seed: Seed) -> None:
    existing = {p.name: p for p in Position.objects.filter(name__in=[name for name, *_ in POSITIONS])}
    for name, department, description in POSITIONS:
        if name not in existing:
            existing[name] = staff_services.position_create(
                actor=seed.admin, name=name, department=seed.departments[department], description=description
            )
            seed.created("positions")
    seed.positions.update(existing)


def seed_staff(seed: Seed) -> None:
    """Demo staff are created without a usable password; a later step (rbac/demo.py) gives them the admin's."""
    existing = {s.username: s for s in Staff.objects.filter(username__in=[row[0] for row in STAFF])}
    for username, employee_id, name, position, department, mobile, wecom_userid, hired in STAFF:
        if username not in existing:
            existing[username] = staff_services.staff_create(
                actor=seed.admin,
                username=username,
                name=name,
                password=None,
                employee_id=employee_id,
                email=f"{username}@example.com",
                position=seed.positions.get(position),
                department=seed.departments[department],
                mobile=mobile,
                wecom_userid=wecom_userid,
                hire_date=hired,
            )
            seed.created("staff")
    seed.staff.update(existing)


def seed_managers(seed: Seed) -> None:
    for department_name, username in MANAGERS.items():
        department = seed.departments[department_name]
        if department.manager_id is None:
            seed.departments[department_name] = staff_services.department_update(
                actor=seed.admin, department=department, data={"manager": seed.staff[username]}
            )
            seed.created("department managers")


def seed_wecom(seed: Seed) -> None:
    """Point the company's WeCom settings at the demo corp of the simulator (shared demo world, "wecom"), with QR
    sign-in and member sync on, so the sign-in page offers 企业微信扫码登录; once (saved settings are kept)."""
    corp = demo_world().get("wecom")
    if not corp or WeComSettings.current().configured:
        return
    wecom_settings_update(
        actor=seed.admin,
        data={
            "corp_id": corp["corpid"],
            "agent_id": corp["agent_id"],
            "app_secret": corp["app_secret"],
            "contacts_secret": corp["contacts_secret"],
            "sign_in_enabled": True,
            "sync_members": True,
        },
    )
    seed.created("WeCom settings")


SEED_STEPS = [seed_admin, seed_departments, seed_positions, seed_staff, seed_managers, seed_wecom]
