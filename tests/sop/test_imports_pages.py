"""The spreadsheet pages: upload a 员工信息表, read the refused rows or the preview, apply it, follow the job; a job is
its uploader's only; exports and templates download as xlsx or CSV with a BOM."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from sop.models import ImportJob, ImportStatus
from staff.models import Staff
from tests.factories import PositionFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"


def upload(client, text: str, name="员工信息表.csv"):
    data = {"kind": "staff", "file": SimpleUploadedFile(name, ("\ufeff" + text).encode(), content_type="text/csv")}
    return client.post(reverse("sop:import_list"), data)


def test_a_file_is_checked_previewed_then_applied(login, sa, roles):
    PositionFactory(name="客服-初级")
    StoreFactory(name="泰国店")
    client = login(sa)
    text = "员工ID,姓名,岗位,绑定店铺列表,状态\r\nP1,甲,客服-初级,泰国店,在职\r\nP2,乙,客服-中级,泰国店,在职\r\n"
    response = upload(client, text)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.INVALID
    page = client.get(reverse("sop:import_detail", args=[job.pk])).content.decode()
    assert "第 3 行：岗位“客服-中级”不存在" in page and "导入全部行" not in page

    upload(client, text.replace("客服-中级", "客服-初级"))
    job = ImportJob.objects.latest("pk")
    page = client.get(reverse("sop:import_detail", args=[job.pk])).content.decode()
    assert job.status == ImportStatus.PREVIEW and "导入全部行" in page and "将新建: 2" in page
    assert not Staff.objects.filter(employee_id__in=["P1", "P2"]).exists()
    client.post(reverse("sop:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Staff.objects.filter(employee_id__in=["P1", "P2"]).count() == 2
    progress = client.get(reverse("sop:import_progress", args=[job.pk])).json()
    assert progress == {"status": "done", "done_rows": 2, "total_rows": 2}
    assert client.post(reverse("sop:import_apply", args=[job.pk])).status_code == 302  # a second apply does nothing
    assert Staff.objects.filter(employee_id__in=["P1", "P2"]).count() == 2


def test_a_job_is_its_uploaders_only(login, sa, super_admins):
    job = ImportJob.objects.create(kind="staff", filename="x.csv", content=b"", created_by=super_admins[1])
    client = login(sa)
    assert client.get(reverse("sop:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("sop:import_apply", args=[job.pk])).status_code == 404


def test_exports_and_templates_download(login, sa):
    client = login(sa)
    StaffFactory(name="导出的人")
    csv_file = client.get(reverse("sop:import_export", args=["staff", "csv"]))
    assert csv_file["Content-Type"].startswith("text/csv") and csv_file.content.startswith("\ufeff".encode())
    assert "导出的人" in csv_file.content.decode("utf-8-sig")
    assert "filename*=UTF-8''" in csv_file["Content-Disposition"]
    for kind, part in (("stores", ""), ("matrix", "?part=people"), ("matrix", "?part=roles")):
        xlsx = client.get(reverse("sop:import_export", args=[kind, "xlsx"]) + part)
        assert xlsx.status_code == 200
        assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value in ("店铺ID", "员工ID", "角色")
    template = client.get(reverse("sop:import_template", args=["stores", "xlsx"]))
    assert load_workbook(io.BytesIO(template.content)).active["B1"].value == "店铺名称"
