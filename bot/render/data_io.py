"""Pushes and cards about data in and out: a failed daily backup, the preview of a customer
or contact file (in chat, and pushed after a browser upload)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Button, Card, Reply, Text
from bot.render import notification
from crm_core.services.account_import import KIND_LABELS, ImportPlan, RowPlan

ACTION = "import.do"
SHOWN = 3


@notification("backup.failed")
def backup_failed(p: Mapping[str, Any]) -> Reply:
    return Text(f"⚠️ 今天的自动备份没有成功：{p.get('reason') or '原因见日志'}。"
                "请检查备份目录的空间和权限，或手动运行 crmbot backup。")


def preview_payload(plan: ImportPlan, batch_id: int, filename: str) -> dict[str, Any]:
    """What the preview card shows, as plain values (an outbox payload)."""
    lines = _examples("新建", [p for p in plan.rows if p.action == "create"], detail=False)
    lines += _examples("合并", [p for p in plan.rows if p.action == "merge"])
    lines += _examples("有误", plan.errors)
    warned = [p for p in plan.rows if p.warnings and p.ok]
    lines += [f"提醒：第 {p.line} 行 {p.warnings[0]}" for p in warned[:SHOWN]]
    if plan.ignored_columns:
        lines.append("不导入的列：" + "、".join(plan.ignored_columns[:8]))
    if plan.merged_cells:
        lines.append(f"合并单元格 {plan.merged_cells} 处，已按左上角的值补全")
    return {"batch_id": batch_id, "kind": plan.kind, "filename": filename,
            "rows": len(plan.rows), "lines": lines,
            "counts": {a: plan.count(a) for a in ("create", "merge", "same", "error")}}


def import_preview(p: Mapping[str, Any]) -> Card:
    counts = p["counts"]
    label = KIND_LABELS.get(p["kind"], p["kind"])
    good = counts["create"] + counts["merge"]
    fields = [("新建", str(counts["create"])), ("合并到已有", str(counts["merge"]))]
    if counts["same"]:
        fields.append(("已有无变化", str(counts["same"])))
    fields.append(("有误", str(counts["error"])))
    lines = list(p.get("lines") or [])
    if not good:
        lines.insert(0, "没有可以导入的行。" if counts["error"] else "文件里的都已存在，无需导入。")
    elif counts["error"]:
        lines.insert(0, f"可导入 {good} 行，{counts['error']} 行有误。")
    args = {"batch": str(p["batch_id"])}
    other = "contacts" if p["kind"] == "customers" else "customers"
    buttons: list[Button] = []
    if good and counts["error"]:
        buttons += [Button("跳过错行，导入其余", ACTION,
                           {**args, "op": "apply", "mode": "rows"}, style="primary"),
                    Button("全部无误才导入", ACTION, {**args, "op": "apply", "mode": "all"})]
    elif good:
        buttons.append(Button("确认导入", ACTION,
                              {**args, "op": "apply", "mode": "all"}, style="primary"))
    buttons += [Button(f"按{KIND_LABELS[other]}导入", ACTION,
                       {**args, "op": "kind", "kind": other}),
                Button("取消", ACTION, {**args, "op": "cancel"}, style="danger")]
    return Card(f"导入预览：{label}（{p['filename']}，{p['rows']} 行）", fields=tuple(fields),
                body="\n".join(lines), buttons=tuple(buttons), card_id=f"import-{p['batch_id']}")


notification("import.preview")(import_preview)   # pushed after an upload through the page


def _examples(title: str, rows: list[RowPlan], *, detail: bool = True) -> list[str]:
    if not rows:
        return []
    shown = "；".join(f"第 {p.line} 行 {p.label}" + (f"：{p.detail}" if detail and p.detail
                                                    else "") for p in rows[:SHOWN])
    more = f" 等 {len(rows)} 行" if len(rows) > SHOWN else ""
    return [f"{title}：{shown}{more}"]
