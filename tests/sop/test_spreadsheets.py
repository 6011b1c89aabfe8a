"""Spreadsheets in and out: the 员工信息表 read from xlsx and CSV (with Chinese or English headers), checked row by
row (a bad row refuses the whole file, naming each bad row), applied all or nothing through the staff and rbac
services (high-risk roles become access requests); exports hold only what the viewer may see."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent
from rbac.models import AccessRequest, RequestStatus, RoleBinding
from sop.models import ImportJob, ImportKind, ImportStatus
from sop.spreadsheets import formats, jobs, staff_sheet
from staff.models import Staff
from tests.factories import PositionFactory, RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "员工ID",
    "姓名",
    "岗位",
    "绑定店铺列表",
    "权限角色",
    "联系电话",
    "入职日期",
    "最近活跃",
    "状态",
    "责任店铺备注",
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def setting(roles):
    PositionFactory(name="客服-初级")
    plain = RoleFactory(name="报表查看", permissions=["reports_view"])
    stores = [StoreFactory(name="泰国店", site="TH"), StoreFactory(name="新加坡店", site="SG")]
    return {"plain": plain, "stores": stores, "cs": roles["customer_service"]}


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def person_row(i, *, position="客服-初级", stores="泰国店、新加坡店", roles="报表查看", mobile=None, date="2026-01-15"):
    return [f"S{i:05d}", f"员工{i}", position, stores, roles, mobile or f"139{i:08d}", date, "", "在职", ""]


def staff_file(n, bad=None):
    bad = bad or {}
    rows = [person_row(i) for i in range(1, n + 1)]
    for i, row in bad.items():
        rows[i - 1] = row
    return xlsx(rows)


def test_formats_round_trip_xlsx_and_csv_with_bom():
    columns = staff_sheet.COLUMNS
    rows = [["E1", "张三", "客服", "店A、店B", "报表查看", "13800001111", "2026-01-15", "", "在职", "备注，带逗号", ""]]
    for fmt in formats.FORMATS:
        content = formats.write(rows, columns, fmt)
        if fmt == formats.CSV:
            assert content.startswith("\ufeff".encode())  # Excel opens UTF-8 with a BOM in Chinese
            assert next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[0] == "员工ID"
        else:
            assert load_workbook(io.BytesIO(content)).active["A1"].value == "员工ID"
        sheet = formats.read(content, f"x.{fmt}", columns)
        assert sheet.rows[0]["name"] == "张三" and sheet.rows[0]["notes"] == "备注，带逗号"
        assert sheet.rows[0]["mobile"] == "13800001111" and sheet.lines == [2]


def test_english_headers_and_numbers_as_excel_stores_them_are_read():
    content = xlsx([["E7", "Li", 13800001111]], headers=["Employee ID", " name ", "Mobile"])
    sheet = formats.read(content, "staff.xlsx", staff_sheet.COLUMNS)
    assert sheet.rows[0]["employee_id"] == "E7" and sheet.rows[0]["mobile"] == "13800001111"


def test_500_rows_with_three_bad_rows_are_refused_naming_them_then_the_corrected_file_imports(sa, setting):
    bad = {
        12: person_row(12, position="客服-中级"),
        250: person_row(250, stores="不存在的店"),
        499: person_row(499, mobile="12345"),
    }
    job = jobs.import_job_create(
        actor=sa, kind=ImportKind.STAFF, filename="员工信息表.xlsx", content=staff_file(500, bad)
    )

    assert job.status == ImportStatus.INVALID
    assert sorted({e["line"] for e in job.errors}) == [13, 251, 500]  # spreadsheet lines (the header is line 1)
    messages = [e["message"] for e in job.errors]
    assert "第 13 行：岗位“客服-中级”不存在" in messages
    assert not Staff.objects.filter(employee_id__startswith="S0").exists()

    good = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="员工信息表.xlsx", content=staff_file(500))
    assert good.status == ImportStatus.PREVIEW and good.result["counts"]["create"] == 500
    assert not Staff.objects.filter(employee_id__startswith="S0").exists()  # checking writes nothing
    settings_limit = jobs.inline_limit
    jobs.inline_limit = lambda: 1000  # inline here; the worker path is tested below
    try:
        done = jobs.import_job_apply(actor=sa, job=good)
    finally:
        jobs.inline_limit = settings_limit
    assert done.status == ImportStatus.DONE, done.errors
    people = Staff.objects.filter(employee_id__startswith="S0")
    assert people.count() == 500
    assert all(p.must_change_password and not p.has_usable_password() for p in people)
    assert RoleBinding.objects.live().filter(staff__in=people, role=setting["plain"]).count() == 1000
    assert done.result["created"] == 500 and done.result["granted"] == 1000
    assert AuditEvent.objects.filter(action="import.complete").count() == 1


def test_high_risk_roles_become_pending_requests_reported_in_the_result(sa, setting, settings):
    settings.SHOPCREW_IMPORT_INLINE_ROWS = 200
    content = xlsx([person_row(1, roles="客服/售后、报表查看", stores="泰国店")])
    job = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="s.xlsx", content=content)
    assert job.preview[0]["request"] == ["客服/售后 @ 泰国店"] and job.preview[0]["grant"] == ["报表查看 @ 泰国店"]
    done = jobs.import_job_apply(actor=sa, job=job)
    person = Staff.objects.get(employee_id="S00001")
    assert AccessRequest.objects.filter(staff=person, status=RequestStatus.PENDING, role=setting["cs"]).exists()
    assert not RoleBinding.objects.live().filter(staff=person, role=setting["cs"]).exists()
    assert done.result["requests"] == [[str(person), "客服/售后 @ 泰国店"]]


def test_an_importer_cannot_grant_beyond_their_own_rights(grant, roles, setting):
    store_admin = StaffFactory()
    grant(store_admin, roles["store_admin"], setting["stores"][0])
    member = StaffFactory(employee_id="S00001", name="老同事")
    grant(member, setting["plain"], setting["stores"][0])
    content = xlsx([person_row(1, stores="泰国店、新加坡店", roles="报表查看")])
    job = jobs.import_job_create(actor=store_admin, kind=ImportKind.STAFF, filename="s.xlsx", content=content)
    assert job.status == ImportStatus.INVALID
    assert any("新加坡店" in e["message"] for e in job.errors)  # a store outside the importer's reach


def test_updates_and_unchanged_rows_are_previewed(sa, setting):
    StaffFactory(employee_id="S00001", name="旧名字", mobile="13900000001")
    content = xlsx([person_row(1, stores="", roles="")])
    job = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="s.csv.xlsx", content=content)
    assert job.preview[0]["action"] == "update" and "name" in job.preview[0]["changes"]
    jobs.import_job_apply(actor=sa, job=job)
    assert Staff.objects.get(employee_id="S00001").name == "员工1"
    again = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="s.xlsx", content=content)
    assert again.preview[0]["action"] == "unchanged"


def test_the_export_holds_only_the_viewers_stores_and_staff_and_is_audited(grant, roles, setting):
    thai, sg = setting["stores"]
    viewer = StaffFactory()
    grant(viewer, roles["store_admin"], thai)
    mine, other = StaffFactory(name="泰国同事"), StaffFactory(name="新加坡同事")
    grant(mine, setting["plain"], thai)
    grant(mine, setting["plain"], sg)
    grant(other, setting["plain"], sg)
    content, filename = jobs.export_file(viewer=viewer, kind=ImportKind.STAFF, fmt=formats.CSV)
    assert filename.endswith(".csv") and content.startswith("\ufeff".encode())
    sheet = formats.read(content, filename, staff_sheet.COLUMNS)
    names = {r["name"] for r in sheet.rows}
    assert "泰国同事" in names and "新加坡同事" not in names
    row = next(r for r in sheet.rows if r["name"] == "泰国同事")
    assert row["stores"] == "泰国店" and row["roles"] == "报表查看"
    event = AuditEvent.objects.get(action="staff.export")
    assert event.after["rows"] == len(sheet.rows) and event.after["format"] == "csv"


def test_a_long_import_runs_in_the_worker_with_progress(sa, setting, settings, django_capture_on_commit_callbacks):
    from sop import import_tasks

    settings.SHOPCREW_IMPORT_INLINE_ROWS = 5
    job = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="s.xlsx", content=staff_file(120))
    with django_capture_on_commit_callbacks() as callbacks:
        job = jobs.import_job_apply(actor=sa, job=job)
    assert job.status == ImportStatus.QUEUED and len(callbacks) == 1
    assert jobs.progress_of(ImportJob.objects.get(pk=job.pk)) == 0
    seen = []
    original = jobs.progress_set
    jobs.progress_set = lambda pk, n: (seen.append(n), original(pk, n))
    try:
        assert import_tasks.run_import.apply(args=[job.pk]).get() == ImportStatus.DONE
    finally:
        jobs.progress_set = original
    job.refresh_from_db()
    assert seen[:2] == [0, 100] and seen[-1] == 120
    assert job.done_rows == 120 and jobs.progress_of(job) == 120
    assert Staff.objects.filter(employee_id__startswith="S0").count() == 120


def test_checking_reads_a_fixed_number_of_queries_however_many_rows(sa, setting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (5, 20, 200):  # the first warms the role and permission caches
        sheet = formats.read(staff_file(n), "s.xlsx", staff_sheet.COLUMNS)
        with CaptureQueriesContext(connection) as ctx:
            checked = staff_sheet.check(actor=sa, sheet=sheet)
        assert not checked.errors
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2], counts


def test_the_store_duties_sheet_updates_owners_and_duties_all_or_nothing(sa, setting):
    from stores.models import Store

    thai, sg = setting["stores"]
    new_owner = StaffFactory(employee_id="OWN1", name="新店长")
    header = ["店铺ID", "店铺名称", "主负责人", "备份负责人", "职责", "紧急联系人", "关联员工"]
    good = [thai.shop_id, thai.name, "OWN1", thai.backup_owner.employee_id, "上架、订单", "王五 13800002222", ""]
    bad = [sg.shop_id, sg.name, "OWN1", "OWN1", "", "", ""]
    refused = jobs.import_job_create(
        actor=sa, kind=ImportKind.STORES, filename="店铺分工表.xlsx", content=xlsx([good, bad], headers=header)
    )
    assert refused.status == ImportStatus.INVALID and [e["line"] for e in refused.errors] == [3]
    job = jobs.import_job_create(
        actor=sa, kind=ImportKind.STORES, filename="店铺分工表.xlsx", content=xlsx([good], header)
    )
    assert job.preview[0]["action"] == "update" and "primary_owner" in job.preview[0]["changes"]
    jobs.import_job_apply(actor=sa, job=job)
    thai = Store.objects.get(pk=thai.pk)
    assert thai.primary_owner == new_owner and thai.duties_note == "上架、订单"
    assert AuditEvent.objects.filter(action="store.update", target_id=str(thai.pk)).exists()


def test_the_matrix_sheet_grants_and_revokes_what_the_cells_say(sa, grant, setting):
    thai, sg = setting["stores"]
    person = StaffFactory(employee_id="M1", name="矩阵同事")
    grant(person, setting["plain"], thai)
    columns, rows = jobs.SHEETS[ImportKind.MATRIX].export(viewer=sa, part="people")
    row = next(r for r in rows if r[0] == "M1")
    headers = [c.header for c in columns]
    assert row[headers.index("泰国店")] == "报表查看"
    wanted = ["M1", "矩阵同事", "", "", "报表查看"]  # off 泰国店, on 新加坡店
    content = xlsx([wanted], headers=["员工ID", "姓名", "全部店铺", "泰国店", "新加坡店"])
    job = jobs.import_job_create(actor=sa, kind=ImportKind.MATRIX, filename="权限矩阵.xlsx", content=content)
    assert job.preview[0]["add"] == ["报表查看 @ 新加坡店"] and job.preview[0]["remove"] == ["报表查看 @ 泰国店"]
    jobs.import_job_apply(actor=sa, job=job)
    live = set(RoleBinding.objects.live().filter(staff=person).values_list("store__name", flat=True))
    assert live == {"新加坡店"}


def test_the_roles_by_modules_sheet_lists_each_roles_actions(sa, setting):
    columns, rows = jobs.SHEETS[ImportKind.MATRIX].export(viewer=sa, part="roles")
    headers = [c.header for c in columns]
    report_row = next(r for r in rows if r[0] == "报表查看")
    assert report_row[headers.index("报表")] and not report_row[headers.index("订单")]


def test_the_file_is_checked_again_when_applied_and_nothing_changes_if_it_no_longer_fits(sa, setting):
    from staff.models import Position

    job = jobs.import_job_create(actor=sa, kind=ImportKind.STAFF, filename="s.xlsx", content=staff_file(3))
    assert job.status == ImportStatus.PREVIEW
    Position.objects.filter(name="客服-初级").delete()  # changed between the preview and the apply
    job = jobs.import_job_apply(actor=sa, job=job)
    assert job.status == ImportStatus.INVALID and [e["line"] for e in job.errors] == [2, 3, 4]
    assert not Staff.objects.filter(employee_id__startswith="S0").exists()
