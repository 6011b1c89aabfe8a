"""SOP pages under /sop/: checklists and their templates, staff lifecycle (onboarding, leave, transfer,
offboarding), spreadsheet imports and exports. Each part keeps its routes in its own module."""

from . import urls_checklists, urls_imports, urls_lifecycle

app_name = "sop"
urlpatterns = urls_checklists.urlpatterns + urls_lifecycle.urlpatterns + urls_imports.urlpatterns
