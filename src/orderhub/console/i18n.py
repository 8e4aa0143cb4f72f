"""The console's one message catalogue: every label, status, hold reason and message, in
English and Chinese (terms as in ../shared/GLOSSARY.md). Templates and pages call
`Translator(lang)("key", **values)`; a key missing from the catalogue is a bug (a test
checks every key used by the templates and the pages is here, in both languages).

The language: the `oh_lang` cookie (set by the switch in the header), else the best of
Accept-Language, else English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

LANGS: Final = ("en", "zh")
DEFAULT_LANG: Final = "en"
LANG_COOKIE: Final = "oh_lang"

# key -> (English, 中文). Grouped by where the text appears.
CATALOG: dict[str, tuple[str, str]] = {
    # layout
    "app.name": ("orderhub console", "订单中枢控制台"),
    "app.skip": ("Skip to content", "跳到正文"),
    "nav.label": ("Main", "主导航"),
    "nav.dashboard": ("Dashboard", "运营看板"),
    "nav.orders": ("Orders", "订单"),
    "lang.switch": ("Language", "语言"),
    "lang.en": ("English", "English"),
    "lang.zh": ("中文", "中文"),
    "me.signed_in_as": ("Signed in as {name} ({role})", "当前用户 {name}（{role}）"),
    "me.sign_out": ("Sign out", "退出登录"),
    "me.no_role": ("scopes only", "仅权限范围"),
    # sign-in
    "signin.title": ("Sign in", "登录"),
    "signin.tenant": ("Tenant", "租户"),
    "signin.login": ("Login", "用户名"),
    "signin.password": ("Password", "密码"),
    "signin.submit": ("Sign in", "登录"),
    "signin.failed": ("Wrong tenant, login or password.", "租户、用户名或密码错误。"),
    "signin.too_many": ("Too many failed attempts; try again in {seconds} s.",
                        "失败次数过多，请 {seconds} 秒后再试。"),
    "signin.signed_out": ("You are signed out.", "您已退出登录。"),
    "signin.expired": ("Your session has ended; please sign in again.",
                       "会话已结束，请重新登录。"),
    # field-level messages (server-side validation)
    "field.required": ("Required.", "必填。"),
    "field.too_long": ("At most {n} characters.", "最多 {n} 个字符。"),
    "field.bad_date": ("Not a date (YYYY-MM-DD).", "不是有效日期（YYYY-MM-DD）。"),
    "field.bad_choice": ("Not one of the choices.", "不在可选范围内。"),
    "field.range": ("The end is before the start.", "结束日期早于开始日期。"),
    "field.bad_cursor": ("Not a page of this list; start again.", "分页标记无效，请重新查询。"),
    "field.invalid": ("Invalid: {detail}", "无效：{detail}"),
    "field.rejected": ("Not accepted; check the value.", "未被接受，请检查输入。"),
    # errors and pages of their own
    "error.forbidden": ("Your role may not do this ({scope}).",
                        "您的角色无权执行此操作（{scope}）。"),
    "error.not_found": ("Not found.", "未找到。"),
    "error.csrf": ("This form has expired; reload the page and try again.",
                   "表单已失效，请刷新页面后重试。"),
    "error.conflict": ("This changed meanwhile; reload to see the current state.",
                       "数据已被他人修改，请刷新后查看最新状态。"),
    "error.title": ("Something is not right", "出现问题"),
    "error.back": ("Back to the dashboard", "返回运营看板"),
    "common.none": ("none", "无"),
    "common.all": ("all", "全部"),
    "common.search": ("Search", "查询"),
    "common.reset": ("Reset", "重置"),
    "common.more": ("More", "加载更多"),
    "common.loading": ("Loading…", "加载中…"),
    "common.reload": ("Reload", "刷新"),
    "common.live": ("live", "实时"),
    "common.offline": ("reconnecting…", "重新连接中…"),
    "common.updated": ("updated {time}", "更新于 {time}"),
    # dashboard
    "dash.updated": ("updated", "更新于"),
    "dash.intake": ("Orders per minute by channel", "各渠道每分钟订单量"),
    "dash.intake_chart": ("Orders per minute by channel over the last minutes",
                          "最近几分钟各渠道每分钟订单量"),
    "dash.per_minute": ("orders / min", "单 / 分钟"),
    "dash.holds": ("Held orders", "挂起订单"),
    "dash.hold_rate": ("hold rate, last minute", "最近一分钟挂起率"),
    "dash.held_now": ("held now", "当前挂起"),
    "dash.top_reasons": ("Top hold reasons", "主要挂起原因"),
    "dash.reasons_sampled": ("Counted over the latest {n} held orders.",
                             "按最近 {n} 张挂起订单统计。"),
    "dash.on_time": ("On time against promise", "交付承诺准时率"),
    "dash.on_time_rate": ("on time, last {hours} h", "最近 {hours} 小时准时率"),
    "dash.finished": ("orders finished", "已完结订单"),
    "dash.backlog": ("Backlog per warehouse against capacity", "各仓积压与日产能"),
    "dash.backlog_chart": ("Open orders per warehouse against daily capacity",
                           "各仓待处理订单与日产能"),
    "dash.warehouse": ("Warehouse", "仓库"),
    "dash.queue": ("open orders", "待处理订单"),
    "dash.capacity": ("daily capacity", "日产能"),
    "dash.load": ("load", "负荷"),
    "dash.bus": ("Event bus", "事件总线"),
    "dash.bus_backlog": ("events waiting", "待发布事件"),
    "dash.bus_lag": ("lag", "延迟"),
    "dash.exceptions": ("Open exceptions by tier", "按审批层级的未结异常"),
    "dash.tier": ("tier {tier}", "{tier} 级"),
    # orders list
    "orders.title": ("Orders", "订单"),
    "orders.filters": ("Filters", "筛选条件"),
    "orders.channel": ("Channel", "渠道"),
    "orders.status": ("Status", "状态"),
    "orders.external_id": ("External id", "外部单号"),
    "orders.sku": ("SKU", "SKU"),
    "orders.date_from": ("Created from", "创建起始日期"),
    "orders.date_to": ("Created to", "创建截止日期"),
    "orders.warehouse": ("Warehouse", "仓库"),
    "orders.hold": ("Hold reason", "挂起原因"),
    "orders.phone": ("Phone", "电话"),
    "orders.none": ("No orders match.", "没有符合条件的订单。"),
    "orders.col_id": ("Order", "订单号"),
    "orders.col_created": ("Created", "创建时间"),
    "orders.col_total": ("Total", "金额"),
    "orders.col_lines": ("Lines", "行数"),
    "orders.col_customer": ("Recipient", "收件人"),
    "orders.results": ("Results", "查询结果"),
    "orders.first_page": ("First page", "第一页"),
    "orders.next_page": ("Next page", "下一页"),
    # one order
    "order.title": ("Order {id}", "订单 {id}"),
    "order.summary": ("Summary", "概要"),
    "order.lines": ("Lines", "订单行"),
    "order.money": ("Money", "金额"),
    "order.shipments": ("Shipments", "发货单"),
    "order.routing": ("Routing decision", "路由决策"),
    "order.candidates": ("Candidates considered", "候选方案"),
    "order.timeline": ("Timeline", "时间线"),
    "order.twin": ("Order twin", "订单数字孪生"),
    "order.holds": ("Why it is held", "挂起原因"),
    "order.line_no": ("#", "序号"),
    "order.qty": ("Qty", "数量"),
    "order.unit_price": ("Unit price", "单价"),
    "order.line_total": ("Line total", "行金额"),
    "order.subtotal": ("Subtotal", "小计"),
    "order.discount": ("Discount", "折扣"),
    "order.tax": ("Tax", "税额"),
    "order.shipping_fee": ("Shipping", "运费"),
    "order.grand_total": ("Grand total", "合计"),
    "order.warehouse": ("Warehouse", "仓库"),
    "order.carrier": ("Carrier service", "承运服务"),
    "order.waybill": ("Waybill", "电子面单"),
    "order.shipment_status": ("Status", "状态"),
    "order.stage": ("Stage", "阶段"),
    "order.expected": ("Expected by", "预期完成"),
    "order.actual": ("Actual", "实际"),
    "order.health": ("Health", "健康度"),
    "order.risk": ("Late-delivery risk", "延误风险"),
    "order.promise": ("Promised by", "承诺送达"),
    "order.slack": ("Slack", "余量"),
    "order.reasons": ("Why", "原因"),
    "order.event": ("Event", "事件"),
    "order.at": ("At", "时间"),
    "order.actor": ("By", "操作人"),
    "order.channel": ("Channel", "渠道"),
    "order.external_id": ("External id", "外部单号"),
    "order.service_level": ("Service level", "服务等级"),
    "order.recipient": ("Recipient", "收件人"),
    "order.address": ("Address", "地址"),
    "order.no_routing": ("Not routed yet.", "尚未路由。"),
    "order.no_shipments": ("No shipments yet.", "尚无发货单。"),
    "order.chosen": ("chosen", "已选"),
    "order.cost": ("Cost", "成本"),
    "order.eta": ("Arrives", "预计送达"),
    "order.plan": ("Plan", "方案"),
    "order.why_not": ("Why not", "未选原因"),
    "order.late": ("late", "逾期"),
    "order.on_time": ("on time", "准时"),
    "order.pending": ("pending", "未到达"),
    "order.cancel": ("Cancel the order", "取消订单"),
    "order.cancel_reason": ("Reason", "取消原因"),
    "order.cancelled_ok": ("The order is cancelled.", "订单已取消。"),
    "order.decided_at": ("Decided", "决策时间"),
    "order.strategy": ("Strategy {strategy}, model {model}; {n} plans priced.",
                       "策略 {strategy}，模型 {model}；已比价 {n} 个方案。"),
    "order.destination": ("To {destination} ({region}), service level {level}.",
                          "送至 {destination}（{region}），服务等级 {level}。"),
    "order.rules_matched": ("Rules matched", "命中的规则"),
    "order.notes": ("Notes", "备注"),
    "order.excluded": ("Sites excluded", "被排除的发货点"),
    "order.no_plan": ("No plan: {reason}", "无可行方案：{reason}"),
    "order.promise_warning": ("Promise at risk: {warning}", "承诺有风险：{warning}"),
    "order.chosen_plan": ("Chosen: {parcels}.", "已选：{parcels}。"),
    "order.parcel": ("{site} by {service}, arriving {arrives}",
                     "{site} 经 {service} 发出，预计 {arrives} 送达"),
    "order.cost_breakdown": (
        "Cost {total} = shipping {shipping} + handling {handling} + split {split}"
        " + lateness {late}.",
        "成本 {total} = 运费 {shipping} + 操作费 {handling} + 拆单 {split} + 延误 {late}。"),
    "order.sites": ("Sites", "发货点"),
    "order.twin_state": ("State", "状态"),
    "order.took": ("Took", "耗时"),
    "order.late_by": ("Late by", "逾期"),
    "order.projected": ("projected", "预计"),
    "order.risk_source": ("source {source}", "来源 {source}"),
    "order.events": ("Events", "事件记录"),
    "order.reason": ("Reason", "原因"),
    "order.twin_unavailable": ("The twin is not available for this order.",
                               "该订单暂无数字孪生。"),
    # the twin's stages (domain/twin/stages.Stage) and their states
    "stage.created": ("created", "已创建"),
    "stage.validated": ("validated", "已校验"),
    "stage.reserved": ("reserved", "已预占"),
    "stage.allocated": ("allocated", "已分仓"),
    "stage.released": ("released to warehouse", "已下发仓库"),
    "stage.picked": ("picked", "已拣货"),
    "stage.packed": ("packed", "已打包"),
    "stage.shipped": ("shipped", "已发货"),
    "stage.in_transit": ("in transit", "运输中"),
    "stage.delivered": ("delivered", "已签收"),
    "stage.invoiced": ("invoiced", "已开票"),
    "stage_state.done": ("done", "已完成"),
    "stage_state.current": ("in progress", "进行中"),
    "stage_state.next": ("next", "下一步"),
    "stage_state.pending": ("pending", "待进行"),
    "stage_state.skipped": ("skipped", "已跳过"),
    # events on an order's timeline (domain/events.py; others show their type)
    "event.OrderCreated": ("order created", "订单已创建"),
    "event.OrderValidated": ("validated", "校验通过"),
    "event.OrderHeld": ("held", "订单挂起"),
    "event.OrderReleasedFromHold": ("released from hold", "解除挂起"),
    "event.InventoryReserved": ("stock reserved", "库存已预占"),
    "event.InventoryReleased": ("stock released", "库存已释放"),
    "event.OrderAllocated": ("allocated to warehouses", "已分仓"),
    "event.OrderStatusChanged": ("status changed", "状态变更"),
    "event.OrderReleasedToWarehouse": ("released to warehouse", "已下发仓库"),
    "event.ShipmentDispatched": ("shipment dispatched", "发货单已发出"),
    "event.ShipmentDelivered": ("shipment delivered", "发货单已签收"),
    "event.OrderInvoiced": ("invoiced", "已开票"),
    "event.PaymentCaptured": ("payment captured", "已收款"),
    "event.OrderCancelled": ("cancelled", "订单已取消"),
    "event.OrderLineMapped": ("line mapped to a SKU", "订单行已映射 SKU"),
    "event.OrderAddressCorrected": ("address corrected", "地址已更正"),
    "event.OrderHoldOverridden": ("hold overridden", "挂起已人工放行"),
    "event.OrderExceptionRaised": ("exception raised", "异常已上报"),
    "event.OrderStalled": ("step stalled", "环节停滞"),
    "event.OrderAtRisk": ("promise at risk", "交付承诺有风险"),
    "event.AlertEscalated": ("alert escalated", "预警已升级"),
    "event.AlertResolved": ("alert resolved", "预警已解除"),
    "event.ShipmentCheckpointRecorded": ("carrier checkpoint", "物流节点"),
    "event.ExceptionOpened": ("exception opened", "异常已创建"),
    "event.RemedyProposed": ("remedy proposed", "已提出处理方案"),
    "event.RemedyApproved": ("remedy approved", "处理方案已批准"),
    "event.RemedyRejected": ("remedy rejected", "处理方案已驳回"),
    "event.RemedyApplied": ("remedy applied", "处理方案已执行"),
    "event.ExceptionResolved": ("exception resolved", "异常已解决"),
    "event.OrderAnomalyDetected": ("anomaly detected", "检测到异常订单"),
    "event.CompensationStarted": ("compensation started", "补偿流程已启动"),
    "event.OrderCompensated": ("compensated", "已完成补偿"),
    "event.CompensationNeedsHuman": ("compensation needs a person", "补偿需人工处理"),
    # order statuses (domain/lifecycle.OrderStatus)
    "status.created": ("created", "已创建"),
    "status.validated": ("validated", "已校验"),
    "status.reserved": ("reserved", "已预占"),
    "status.allocated": ("allocated", "已分仓"),
    "status.released": ("released", "已下发"),
    "status.picked": ("picked", "已拣货"),
    "status.packed": ("packed", "已打包"),
    "status.partially_shipped": ("partially shipped", "部分发货"),
    "status.shipped": ("shipped", "已发货"),
    "status.delivered": ("delivered", "已签收"),
    "status.invoiced": ("invoiced", "已开票"),
    "status.paid": ("paid", "已付款"),
    "status.on_hold": ("held", "挂起"),
    "status.cancelled": ("cancelled", "已取消"),
    # hold reasons (domain/order.HoldCode)
    "hold.missing_field": ("missing field", "缺少字段"),
    "hold.address_incomplete": ("address incomplete", "地址不完整"),
    "hold.phone_invalid": ("phone invalid", "电话无效"),
    "hold.amount_mismatch": ("amounts do not add up", "金额不符"),
    "hold.unmapped_sku": ("unmapped SKU", "SKU 未映射"),
    "hold.unknown_sku": ("unknown SKU", "未知 SKU"),
    "hold.inactive_sku": ("inactive SKU", "SKU 已停用"),
    "hold.not_sellable_in_channel": ("not sellable in channel", "该渠道不可售"),
    "hold.backorder": ("backorder (no stock)", "缺货待补"),
    "hold.no_active_warehouse": ("no active warehouse", "无可用仓库"),
    "hold.reservation_expired": ("reservation expired", "库存预占已过期"),
    "hold.age_stage_mismatch": ("formula stage mismatch", "奶粉段位不符"),
    "hold.age_restricted": ("age restricted", "年龄限制商品"),
    "hold.quantity_limit": ("quantity limit", "超出限购数量"),
    "hold.cross_border_docs": ("cross-border documents missing", "跨境单证缺失"),
    "hold.declared_value_limit": ("declared value over limit", "申报价值超限"),
    "hold.price_below_floor": ("price below floor", "价格低于底价"),
    "hold.channel_update": ("channel update to review", "渠道变更待审核"),
    "hold.reroute": ("re-route needed", "需要重新路由"),
    "hold.rule_review": ("held by a rule for review", "规则要求人工审核"),
    "hold.no_route": ("no usable site", "无可用发货点"),
    "hold.region_blocked": ("destination blocked", "目的地区域已封锁"),
    "hold.manual": ("held by a person", "人工挂起"),
    "hold.suspected_fraud": ("suspected fraud", "疑似欺诈"),
    "hold.anomaly_review": ("anomaly to review", "异常待审核"),
    "hold.release_rejected": ("warehouse refused release", "仓库拒绝下发"),
}


@dataclass(frozen=True, slots=True)
class Translator:
    """`t("key", name=...)`: the text in this language with the values filled in."""

    lang: str

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = CATALOG[key][LANGS.index(self.lang)]
        except KeyError:
            raise KeyError(f"console catalogue has no message '{key}'") from None
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in CATALOG

    def status(self, code: str) -> str:
        return self(f"status.{code}") if f"status.{code}" in CATALOG else code

    def hold(self, code: str) -> str:
        return self(f"hold.{code}") if f"hold.{code}" in CATALOG else code

    def event(self, event_type: str) -> str:
        key = f"event.{event_type}"
        return self(key) if key in CATALOG else event_type


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language if it is one we have; else the first of Accept-Language we
    have (by q, then order); else English."""
    if cookie in LANGS:
        return cookie
    best: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0:
            best.append((-q, i, primary))
    return min(best)[2] if best else DEFAULT_LANG
