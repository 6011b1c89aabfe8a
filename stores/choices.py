from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    OZON = "ozon", "Ozon"


class Site(models.TextChoices):
    SG = "SG", _("Singapore")
    MY = "MY", _("Malaysia")
    TH = "TH", _("Thailand")
    TW = "TW", _("Taiwan")
    VN = "VN", _("Vietnam")
    PH = "PH", _("Philippines")
    ID = "ID", _("Indonesia")
    BR = "BR", _("Brazil")
    MX = "MX", _("Mexico")
    CO = "CO", _("Colombia")
    CL = "CL", _("Chile")
    RU = "RU", _("Russia")


SITES_BY_PLATFORM = {
    Platform.SHOPEE: [
        Site.SG,
        Site.MY,
        Site.TH,
        Site.TW,
        Site.VN,
        Site.PH,
        Site.ID,
        Site.BR,
        Site.MX,
        Site.CO,
        Site.CL,
    ],
    Platform.OZON: [Site.RU],
}

SITE_TIMEZONES = {
    "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur",
    "TH": "Asia/Bangkok",
    "TW": "Asia/Taipei",
    "VN": "Asia/Ho_Chi_Minh",
    "PH": "Asia/Manila",
    "ID": "Asia/Jakarta",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "CO": "America/Bogota",
    "CL": "America/Santiago",
    "RU": "Europe/Moscow",
}


class StoreStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")
