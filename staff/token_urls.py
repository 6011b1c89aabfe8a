"""API token pages, under /accounts/ (namespace accounts)."""

from django.urls import path

from . import token_views

urlpatterns = [
    path("security/tokens/", token_views.TokenListView.as_view(), name="token_list"),
    path("security/tokens/new/", token_views.TokenIssueView.as_view(), name="token_issue"),
    path("security/tokens/<int:pk>/revoke/", token_views.TokenRevokeView.as_view(), name="token_revoke"),
    path("tokens/", token_views.CompanyTokenListView.as_view(), name="token_company_list"),
]
