"""Domain errors. Each carries a short Chinese message for the user (`user_message`)
and an English one for the logs (`str(error)`)."""

from __future__ import annotations


class CrmError(Exception):
    user_message: str = "操作失败"

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        if user_message is not None:
            self.user_message = user_message


class NotFound(CrmError):
    user_message = "没有找到"


class Forbidden(CrmError):
    user_message = "没有权限"


class Conflict(CrmError):
    user_message = "状态已变化，请刷新后重试"


class InvalidInput(CrmError):
    user_message = "输入有误"

    def __init__(
        self, log_message: str, user_message: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(log_message, user_message)
        self.fields = fields or {}
