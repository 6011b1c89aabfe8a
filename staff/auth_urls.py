from django.contrib.auth.views import LogoutView
from django.urls import path

from . import auth_views, stepup_views, token_urls, wecom_views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("wecom/", wecom_views.WeComSignInView.as_view(), name="wecom_login"),
    path("wecom/callback/", wecom_views.WeComCallbackView.as_view(), name="wecom_callback"),
    path("password/expired/", auth_views.PasswordExpiredView.as_view(), name="password_expired"),
    path("2fa/verify/", auth_views.SecondFactorVerifyView.as_view(), name="otp_verify"),
    path("2fa/setup/", auth_views.SecondFactorSetupView.as_view(), name="otp_setup"),
    path("2fa/step-up/", stepup_views.StepUpView.as_view(), name="step_up"),
    path("security/", auth_views.SecurityView.as_view(), name="security"),
    path("security/backup-codes/", auth_views.BackupCodesView.as_view(), name="backup_codes"),
    path("security/2fa/remove/", auth_views.SecondFactorRemoveView.as_view(), name="otp_remove"),
    *token_urls.urlpatterns,
]
