"""WeCom (企业微信) server API simulator: access tokens, contacts, web sign-in and app messages (contract:
platform-apis.md section 3b and "WeCom server API simulator" in section 5).

Served beside the robot simulator on the qyapi host: `/cgi-bin/<path>` (known paths answer HTTP 200 with
`errcode`/`errmsg`, unknown ones 404). The sign-in pages of the other two hosts are served here too:
`/_login/wwlogin/sso/login` and `/_login/wwopen/sso/qrConnect` (login.work.weixin.qq.com, open.work.weixin.qq.com)
and `/_oauth/connect/oauth2/authorize` (open.weixin.qq.com). Instead of a phone scanning a QR code, the page
lists the corp's members: choosing one (a person, or a test) sends the browser back to `redirect_uri` with a
single-use code, as WeCom does after a scan. The control API (`/control/wecom/corps…`) sets corps, secrets and
members up and reads them back.

Sections, each importing only those above it: model (constants, corps and secrets, replies, member and department
objects) · auth (gettoken, the token check, frequency limits) · contacts · signin (code exchange, login pages) ·
messages · views (the `api` view, faults) · control. Callers import from `sandbox.wecom_server`; the names below
are its public surface.
"""

from .control import corp_get, corp_set, corp_summary, expire_tokens, scan_issue, secret_set
from .model import (
    CODE_TTL,
    CONTACT_READS,
    EMAIL,
    LIST_FIELDS,
    MOBILE,
    STATE,
    TOKEN_TTL,
    USERID,
    WRITE_OK,
    WRITES,
    Corp,
    CorpError,
    Secret,
    corps,
    member_object,
    reply,
)
from .signin import login
from .views import KNOWN, api

__all__ = [
    "TOKEN_TTL",
    "CODE_TTL",
    "USERID",
    "MOBILE",
    "EMAIL",
    "STATE",
    "LIST_FIELDS",
    "WRITES",
    "CONTACT_READS",
    "WRITE_OK",
    "CorpError",
    "Secret",
    "Corp",
    "corps",
    "reply",
    "member_object",
    "login",
    "KNOWN",
    "api",
    "corp_set",
    "corp_summary",
    "corp_get",
    "secret_set",
    "scan_issue",
    "expire_tokens",
]
