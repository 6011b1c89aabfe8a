"""Shopee Ads simulator, common ground: the region time zones and money scales, the campaign statuses, the
error messages of the rate limit and the date checks, the hour weights and the path prefix of the ads API.
"""

REGION_TIMEZONES = {
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
    "CN": "Asia/Shanghai",
}
MONEY_SCALE = {"VN": 1000, "ID": 1000, "CO": 100, "CL": 100}  # currencies with large unit numbers
STATUSES = ("ongoing", "scheduled", "ended", "paused", "deleted", "closed")
RATE_MESSAGES = {
    "exceed_shop_api": "Too many requests for the shop at the moment, please try again later.",
    "exceed_partner_api": "Too many requests for the partner at the moment, please try again later.",
    "exceed_api": "Too many requests for the API at the moment, please try again later.",
}
DATE_IN_FUTURE = "The date must be today or earlier than today up to 6 months ago."
DATE_TOO_OLD = "The date can't be earlier than 6 months ago."
RANGE_TOO_LONG = "Date range can't be longer than 1 month."
SAME_DATES = (
    "Start date can't be equal to end date. For single date's hourly performance data, please query hourly api."
)
START_AFTER_END = "The start date can't be later than the end date."
# Share of a campaign's hourly spend by local hour: quiet nights, busy evenings.
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.1, 1.1,
    1.2, 1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.6,
)  # fmt: skip
ADS_PATH = "/api/v2/ads/"
