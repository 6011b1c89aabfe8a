"""Unique-value errors in plain words, on their field.

Django says "具有 名称 的 部门 已存在。" ("Department with this Name already exists."); people read
"名称“客服部”已被使用。". A model mixes in ReadableUniqueErrors and may word the sentence for itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class ReadableUniqueErrors:
    """A taken unique value said in plain words (`unique_taken_message`, with %(field)s and %(value)s);
    uniqueness over several fields keeps Django's message."""

    unique_taken_message = _("%(field)s “%(value)s” is already taken.")

    def unique_error_message(self, model_class, unique_check):
        if len(unique_check) != 1:
            return super().unique_error_message(model_class, unique_check)  # type: ignore[misc]
        field = self._meta.get_field(unique_check[0])  # type: ignore[attr-defined]
        return ValidationError(
            self.unique_taken_message,
            code="unique",
            params={"field": capfirst(field.verbose_name), "value": field.value_from_object(self)},
        )
