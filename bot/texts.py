"""Short Simplified-Chinese texts the bot says in many places."""

from __future__ import annotations

INTERNAL_ERROR = "抱歉，刚才处理出错了，已记录。请稍后再试。"
UNBOUND = "你好！你的账号还没有开通 CRM 助手，已通知管理员审核，通过后会告诉你。"
EMPTY = "请发文字或语音，比如：下午见了鼓楼医院王主任，下周二送样机。"
CARD_EXPIRED = "这张卡片已失效，请重新发送。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
FORBIDDEN = "你没有这个操作的权限。"
NOT_UNDERSTOOD = (
    "没太明白。可以直接说跟进情况，比如：\n"
    "「下午见了鼓楼医院王主任，下周二送样机」\n"
    "发 /帮助 看全部命令。"
)


def welcome(name: str) -> str:
    return (f"{name}，你好！直接发文字或语音记录跟进，"
            "例如「下午见了鼓楼医院王主任，下周二送样机」。发 /帮助 看全部命令。")


def usage(usage_line: str, help_line: str) -> str:
    return f"用法：{usage_line}\n{help_line}"


def unknown_command(word: str, suggestions: list[str]) -> str:
    head = word.split(" ")[0][:20]
    if suggestions:
        alts = "、".join(f"/{s}" for s in suggestions)
        return f"没有「/{head}」这个命令。你是不是想用 {alts}？发 /帮助 看全部命令。"
    return f"没有「/{head}」这个命令。发 /帮助 看全部命令。"
