# ruff: noqa: E501  (a catalogue: Chinese lines are measured at double width)
"""The CLI's Chinese catalogue (cli/i18n.py): English text (whitespace collapsed on lookup)
-> Chinese, with the domain terms of the project glossary (订单中枢, 渠道, 履约, 挂起订单,
可承诺量, 安全库存, 订单路由, 拆单, 承运商, 电子面单, 沙盒, 灰度发布, 三阶权限 ...).

Keys are the texts exactly as the command modules write them: a help string or docstring
changed there needs its entry changed here (tests/e2e/test_cli_i18n.py says which)."""

from __future__ import annotations

CATALOG: dict[str, str] = {
    # ----- typer's own words, and the CLI's common messages --------------------------------
    "Usage: ": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Error": "错误",
    "Aborted.": "已中止。",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    "[default: {}]": "[默认：{}]",
    "[env var: {}]": "[环境变量：{}]",
    "[required]": "[必填]",
    "(deprecated) ": "（已弃用）",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Show this message and exit.": "显示本帮助并退出。",
    "error:": "错误：",
    "master": "主",
    "audit": "审计",
    "done": "完成",
    "still working, {seconds} s": "仍在进行，已 {seconds} 秒",
    "done in {seconds} s": "完成，用时 {seconds} 秒",
    "orders": "订单",
    "evaluating": "评估中",
    "importing {name}": "导入 {name}",
    "optimising the wave (HiGHS)": "优化波次（HiGHS）",
    "simulating the month": "模拟一个月",
    "driving orders through the hub": "订单经由订单中枢的服务推进",
    "replaying orders through rule set {set_id}": "以规则集 {set_id} 回放订单（沙盒）",
    "closing {warehouse} mid-stream": "在订单流中途关闭 {warehouse}",
    "choose en or zh": "请选择 en 或 zh",
    "training the anomaly model": "训练异常检测模型",
    "scoring the held-out traffic": "为留出流量评分",
    "loading the demo data": "加载演示数据",
    "--json and --csv: choose one": "--json 与 --csv 只能选一个",
    "no such file: {path}": "没有该文件：{path}",
    "unknown status '{status}'; one of: {choices}":
        "未知状态 '{status}'；可选：{choices}",
    "no orders in the canary arm yet: since {since}, {others} order(s) were routed by the "
    "live rules and none by rule set v{version} (slice {slice}). New orders matching the "
    "slice join the canary as they are routed; run `orderhub rules compare {set_id}` again "
    "once some have arrived, or widen the slice with `orderhub rules canary {set_id} "
    "--percent N`.":
        "灰度组还没有订单：自 {since} 起，{others} 个订单按现行规则路由，按规则集 v{version}"
        "（切片 {slice}）路由的为 0。符合切片的新订单在路由时进入灰度组；待有订单后再运行 "
        "`orderhub rules compare {set_id}`，或用 `orderhub rules canary {set_id} --percent N` "
        "扩大切片。",
    # ----- the root command ----------------------------------------------------------------
    "orderhub: order orchestration hub (订单中枢).": "orderhub：订单中枢。",
    "Language of help and messages: en or zh (default: ORDERHUB_LANG, else the locale, e.g. "
    "LANG=zh_CN.UTF-8)":
        "帮助与提示的语言：en 或 zh（默认取 ORDERHUB_LANG，否则取系统区域设置，"
        "如 LANG=zh_CN.UTF-8）",
    "Install completion for the current shell.": "为当前 shell 安装命令补全。",
    "Show completion for the current shell, to copy it or customize the installation.":
        "显示当前 shell 的命令补全脚本，以便复制或自定义安装。",
    # ----- shared options ------------------------------------------------------------------
    "SQLAlchemy URL; default sqlite:///orderhub.db in the working directory":
        "SQLAlchemy 数据库 URL；默认为工作目录下的 sqlite:///orderhub.db",
    "Tenant id": "租户 ID",
    "NATS JetStream URL; without it the embedded log is used":
        "NATS JetStream URL；不设置则使用内置事件日志",
    "Why (kept on events and timelines)": "原因（记入事件与时间线）",
    "Print JSON instead of a table (stable keys; money as strings, times ISO 8601 UTC)":
        "输出 JSON 而非表格（键名稳定；金额为字符串，时间为 ISO 8601 UTC）",
    "Print CSV instead of a table (a header row, then one row per item)":
        "输出 CSV 而非表格（首行为表头，之后每项一行）",
    "Print JSON instead of a table": "输出 JSON 而非表格",
    "Print JSON": "输出 JSON",
    "One JSON document on stdout": "在标准输出打印一个 JSON 文档",
    "Print the answer as JSON": "以 JSON 输出结果",
    "List every order the change looked at, one per line": "逐行列出此次变更涉及的每个订单",
    "Print the change and its full report (every order) as JSON":
        "以 JSON 输出变更及其完整报告（含每个订单）",
    "Repeatable": "可重复",
    # ----- top-level commands --------------------------------------------------------------
    "Load the deterministic demo set: 8 warehouses in Chinese cities, SKUs, channels, stock.":
        "加载确定性的演示数据：8 个位于中国城市的仓库、SKU、渠道与库存。",
    "Run the REST API (docs at /docs) with the outbox relay and expiry sweeper.":
        "运行 REST API（文档见 /docs），并运行发件箱中继与过期清理。",
    "Load demo data into an empty database": "向空数据库加载演示数据",
    "Also run relay, consumers, webhooks and sweeper in this process":
        "在本进程中同时运行中继、消费者、Webhook 与清理任务",
    "API processes; with more than one, each bootstraps its own hub and the background "
    "work runs once, in this supervising process":
        "API 进程数；多于一个时，每个进程构建自己的中枢，后台任务只在本监督进程中运行一份",
    "Push a realistic order stream through the hub and report what happened; with --days, "
    "simulate a month of order history with realistic delays (模拟一个月的订单履约).":
        "向订单中枢推送逼真的订单流并报告结果；加 --days 时，模拟一个月带真实延误的订单履约历史。",
    "Simulate a month of history in memory instead (no database): stage times, backlogs, "
    "carrier incidents, weather, outcomes":
        "改为在内存中模拟一个月的历史（不用数据库）：各阶段用时、积压、承运商异常、天气与结果",
    "With --days: orders on an ordinary day (peak days have more)":
        "配合 --days：平日的订单量（高峰日更多）",
    "With --days: first day (YYYY-MM-DD)": "配合 --days：第一天（YYYY-MM-DD）",
    "With --days: write the history as JSON lines (orders and labelled snapshots) for "
    "`orderhub risk train --history`":
        "配合 --days：将历史写为 JSON lines（订单与带标签的快照），供 "
        "`orderhub risk train --history` 使用",
    "With --days: also push this many of the month's orders through the hub's real "
    "services, each step at its simulated time (needs demo-data)":
        "配合 --days：另将当月这么多订单按模拟时间逐步经由订单中枢的真实服务推进（需先加载演示数据）",
    "Stock of one SKU per warehouse: on hand, reserved, safety stock, ATP and shortfall "
    "(safety stock that on hand - reserved does not cover).":
        "某 SKU 在各仓库的库存：在库、预占、安全库存、可承诺量与缺口（在库减预占不足以覆盖的安全库存）。",
    "Release lapsed pre-sale locks now (serve also does this in the background).":
        "立即释放已过期的预售锁库（serve 也会在后台执行）。",
    "Import a file of channel orders: good rows are imported, each bad row is reported with "
    "its line number and reason (exit code 1 when any row was refused). Columns are "
    "recognised by common English and Chinese names; unknown columns are reported as "
    "ignored. A channel's saved mapping: `orderhub import mapping save|show CHANNEL`.":
        "导入渠道订单文件：合格行导入，每个不合格行报告行号与原因（有行被拒时退出码为 1）。"
        "列按常见的中英文列名识别；无法识别的列报告为已忽略。渠道保存的列映射："
        "`orderhub import mapping save|show 渠道`。",
    "HEADER=FIELD: read the file's column HEADER as the canonical FIELD (repeatable; e.g. "
    "--map po_number=external_id --map 收货人电话=phone)":
        "列名=字段：把文件中名为“列名”的列读作标准字段（可重复；例如 --map "
        "po_number=external_id --map 收货人电话=phone）",
    "Show the first rows as mapped and the ignored columns; import nothing":
        "显示按映射读出的前几行与被忽略的列；不导入任何订单",
    "Rows shown by --preview": "--preview 显示的行数",
    "A channel's saved column mapping for CSV/XLSX imports.":
        "渠道保存的 CSV/XLSX 导入列映射。",
    "Save the channel's column mapping (replacing the one saved before); every import of a "
    "CSV/XLSX file into the channel uses it, `--map` on the command line winning.":
        "保存渠道的列映射（替换之前保存的）；该渠道的每次 CSV/XLSX 导入都使用它，命令行的 "
        "`--map` 优先。",
    "Show the channel's saved column mapping.": "显示渠道保存的列映射。",
    "Channel code": "渠道代码",
    "Delete the saved mapping": "删除保存的列映射",
    "ignored columns: {names}": "已忽略的列：{names}",
    "buyer note, {what}: {value}": "买家留言，{what}：{value}",
    "baby's age (months)": "宝宝月龄（月）",
    "requested delivery": "要求送达日期",
    "invoice title": "发票抬头",
    "tax id": "税号",
    "buyer's own age (years)": "买家本人年龄（岁）",
    "preview of {name}: {shown} of {total} rows, {kind} orders":
        "{name} 预览：共 {total} 行中的 {shown} 行，{kind} 订单",
    "row": "行",
    "give --map HEADER=FIELD at least once, or --clear": "请至少给出一次 --map 列名=字段，或 --clear",
    "no saved mapping for channel {channel}": "渠道 {channel} 没有保存的列映射",
    "column mapping of channel {channel}": "渠道 {channel} 的列映射",
    "file header": "文件列名",
    "field": "字段",
    "CSV, XLSX, JSON (array) or JSON lines file": "CSV、XLSX、JSON（数组）或 JSON lines 文件",
    "Channel code the orders come from": "订单来源的渠道代码",
    "auto, csv, xlsx, json or jsonl": "auto、csv、xlsx、json 或 jsonl",
    "Run only the outbox relay (for deployments that scale API, relay and workers apart: "
    "start the API with `serve --no-background`).":
        "只运行发件箱中继（用于 API、中继与工作进程分开扩展的部署：以 "
        "`serve --no-background` 启动 API）。",
    "Seconds between outbox polls": "两次轮询发件箱之间的秒数",
    "Run the durable consumers (webhook fan-out), the webhook dispatcher and the expiry "
    "sweeper, without the API or the relay.":
        "运行持久消费者（Webhook 分发）、Webhook 投递器与过期清理，不运行 API 和中继。",
    # ----- db --------------------------------------------------------------------------------
    "Database schema.": "数据库表结构。",
    "Create or migrate the schema to the newest revision.": "创建表结构或迁移到最新版本。",
    # ----- order -----------------------------------------------------------------------------
    "Inspect orders.": "查看订单。",
    "An order with its customer, ship-to, lines, shipments and full timeline (ORDER_ID: the "
    "id or its beginning, if only one order's id begins so).":
        "订单及其客户、收货地址、明细行、发货单与完整时间线（ORDER_ID：订单号，"
        "或仅一个订单号以之开头时的前缀）。",
    "Mask personal data (phone's last four digits, name's first character, street only once "
    "released)":
        "遮蔽个人信息（手机号仅留后四位、姓名仅留首字、详细地址仅在下发后显示）",
    "Why the order was routed where it was, in plain words.": "用平实的话说明订单为何路由到该仓库。",
    "The newest orders (ids are never cut: a narrow terminal wraps the other columns).":
        "最新的订单（订单号从不截断：终端较窄时其他列换行）。",
    "Filter by status": "按状态筛选",
    "Only orders to or from this phone, exact (looked up by blind index)":
        "仅限收发货人为该手机号的订单，精确匹配（通过盲索引查找）",
    "Only orders of this customer email, exact (looked up by blind index)":
        "仅限该客户邮箱的订单，精确匹配（通过盲索引查找）",
    "The order's digital twin: its 11 stages with entry, exit, expected and due times, the "
    "slack to the promised delivery, health, risk and what drives them.":
        "订单数字孪生：11 个阶段的进入、离开、预期与截止时间，距交付承诺的余量、健康度、"
        "风险及其成因。",
    "The twin as JSON": "以 JSON 输出订单数字孪生",
    "en or zh (default: the CLI's language)": "en 或 zh（默认：命令行的语言）",
    "The order's shipments with their carrier checkpoints (物流轨迹) and current state.":
        "订单的发货单及其承运商物流轨迹与当前状态。",
    "The warehouse refuses a released order (仓库拒收): a compensation saga recalls it (stock "
    "released), voids its waybills, routes it again elsewhere and tells the channel.":
        "仓库拒收已下发的订单：补偿事务将其召回（释放库存）、作废电子面单、改由别处路由并通知渠道。",
    "Why the warehouse refuses it": "仓库拒收的原因",
    "The refusing site (default: every site it was released to)":
        "拒收的仓库（默认：订单下发到的所有仓库）",
    "Capturing the payment failed (扣款失败): a compensation saga cancels the order while "
    "the goods are still in the warehouse, else it waits for a person.":
        "扣款失败：货物仍在仓库时补偿事务取消订单，否则等待人工处理。",
    "Why capturing the payment failed": "扣款失败的原因",
    "Accept the suggested province/city/district of an order held with an incomplete "
    "address (地址不完整): the blank fields are filled and the order is checked and "
    "allocated again.":
        "采纳因地址不完整而挂起的订单的建议省/市/区县：补全空缺字段，订单重新校验并分仓。",
    "Why (audited); by default the suggestion's confidence and source":
        "原因（记入审计）；默认为建议的置信度与来源",
    # ----- events ----------------------------------------------------------------------------
    "The event stream: status, tail, replay, catalogue.": "事件流：状态、实时查看、重放、目录。",
    "Outbox backlog, publication position, consumers' lag, parked events, webhooks.":
        "发件箱积压、发布位置、消费者滞后、搁置的事件与 Webhook。",
    "Print the live event stream.": "打印实时事件流。",
    "Only this event type (repeatable)": "仅此事件类型（可重复）",
    "Only this order": "仅此订单",
    "Begin with the oldest event": "从最早的事件开始",
    "Stop after N events (0: never)": "N 个事件后停止（0：不停止）",
    "Stop after S seconds (0: never)": "S 秒后停止（0：不停止）",
    "One CloudEvent JSON per line": "每行一个 CloudEvent JSON",
    "Re-deliver everything published since TIME to a durable consumer.":
        "将自 TIME 起发布的全部事件重新投递给某个持久消费者。",
    "Durable consumer name": "持久消费者名称",
    "ISO time, e.g. 2026-11-24T08:00:00Z": "ISO 时间，如 2026-11-24T08:00:00Z",
    "The event catalogue: types, JSON Schemas and examples.": "事件目录：类型、JSON Schema 与示例。",
    "Render as Markdown": "以 Markdown 输出",
    # ----- corpus ----------------------------------------------------------------------------
    "The labelled channel-order corpus: generate and evaluate.": "带标注的渠道订单语料：生成与评估。",
    "Write a seeded corpus of channel orders with injected, labelled defects.":
        "按随机种子生成渠道订单语料，注入并标注缺陷。",
    "JSON lines file to write (.gz: compressed)": "要写入的 JSON lines 文件（.gz：压缩）",
    "Detection recall and precision per defect type (exit 1 if any is below 95%).":
        "各缺陷类型的检出召回率与精确率（任一低于 95% 时退出码为 1）。",
    "Corpus file from `corpus generate`": "由 `corpus generate` 生成的语料文件",
    "Corpus file from `corpus generate`, or a directory with labels.jsonl (an independently "
    "written corpus, evaluated black-box through the API)":
        "由 `corpus generate` 生成的语料文件，或含 labels.jsonl 的目录（独立编写的语料，经 API 黑盒评估）",
    "no labels.jsonl and catalog.json in {path}": "{path} 中没有 labels.jsonl 和 catalog.json",
    "Only the first N records (0: all)": "仅前 N 条记录（0：全部）",
    # ----- audit -----------------------------------------------------------------------------
    "The tamper-evident audit log: list, verify, checkpoint, export.":
        "防篡改审计日志：列出、校验、检查点、导出。",
    "Recompute the keyed chain and check it against its signed checkpoints (the table, "
    "<key_dir>/audit-anchors/ and --anchors); exit 1 naming the first broken entry.":
        "重新计算带密钥的哈希链，并与已签名的检查点（数据表、<key_dir>/audit-anchors/ 与 "
        "--anchors）核对；不符时退出码为 1 并指出第一条断裂的记录。",
    "An exported checkpoints file (audit export-checkpoints) to check the chain against; "
    "repeatable":
        "用于核对哈希链的导出检查点文件（audit export-checkpoints）；可重复",
    "Sign each chain's head now, keep it and append it to <key_dir>/audit-anchors/.":
        "立即为每条链的链头签名，保存并追加到 <key_dir>/audit-anchors/。",
    "One tenant (default: all)": "单个租户（默认：全部）",
    "Write the signed checkpoints, with the public key that checks them, for safekeeping.":
        "写出已签名的检查点及用于校验的公钥，以便妥善保存。",
    "File to write (JSON lines)": "要写入的文件（JSON lines）",
    "The newest entries.": "最新的审计记录。",
    "Order id or routing-rule/<code>": "订单号或 routing-rule/<代码>",
    "One kind of entry": "单一类型的记录",
    # ----- warehouse -------------------------------------------------------------------------
    "Warehouses: list with load, close, cut capacity, reopen.":
        "仓库：列出（含负载）、关闭、降低产能、重新开放。",
    "Sites with capacity, current picking queue, costs and capabilities.":
        "各仓库的产能、当前拣货队列、成本与能力。",
    "Close a warehouse and re-route its open orders now.": "关闭仓库并立即重新路由其未完成订单。",
    "Open a closed warehouse to new orders again.": "重新向新订单开放已关闭的仓库。",
    "Set the daily picking capacity; open orders beyond what the queue can now hold are "
    "re-routed (newest first).":
        "设置每日拣货产能；超出队列容量的未完成订单将被重新路由（最新的优先）。",
    # ----- carrier ---------------------------------------------------------------------------
    "Carrier services: list, mark down, degraded or up; tracking.":
        "承运商服务：列出，标记为停运、降级或恢复；物流轨迹。",
    "Carrier services with their state.": "承运商服务及其状态。",
    "Stop offering a carrier service; open orders planned on it are re-routed.":
        "停用某承运商服务；计划由其承运的未完成订单将被重新路由。",
    "Keep offering a carrier service, slower by DAYS (promises account for it).":
        "继续使用某承运商服务，但时效慢 DAYS 天（交付承诺会计入）。",
    "Extra transit days": "额外运输天数",
    "Offer a carrier service again at its normal speed.": "以正常时效重新启用某承运商服务。",
    "Carrier tracking checkpoints (物流轨迹): push a file, set a carrier's signing secret, "
    "simulate carriers.":
        "承运商物流轨迹：推送文件、设置承运商的签名密钥、模拟承运商。",
    "Take in a carrier's checkpoints from a file (as a signed push would): stored once per "
    "event id, matched to shipments by waybill or kept as orphans.":
        "从文件读入承运商的物流轨迹（如同签名推送）：每个事件 ID 只存一次，按电子面单匹配发货单，"
        "匹配不到的作为孤立轨迹保留。",
    'JSON: a list of checkpoints (event_id, waybill, kind, at, location, description), or '
    '{"carrier": "ZTO", "checkpoints": [...]}':
        'JSON：轨迹列表（event_id、waybill、kind、at、location、description），或 '
        '{"carrier": "ZTO", "checkpoints": [...]}',
    "Carrier code (ZTO, SF, ...) when the file does not say":
        "文件未注明时使用的承运商代码（ZTO、SF……）",
    "Set or rotate the secret CODE signs its tracking pushes with (shown only now).":
        "设置或轮换承运商 CODE 为轨迹推送签名所用的密钥（仅此时显示）。",
    "Carrier code (ZTO, SF, ...)": "承运商代码（ZTO、SF……）",
    "The secret agreed with the carrier (at least 24 characters); without it a new random "
    "one is made":
        "与承运商约定的密钥（至少 24 个字符）；不提供则随机生成",
    "Simulated carriers: checkpoint sequences for shipped orders (hubs, customs for "
    "cross-border, an occasional failed attempt), pushed out of order with some twice.":
        "模拟承运商：为已发货订单生成物流轨迹（中转站、跨境清关、偶尔派送失败），"
        "乱序推送且部分重复。",
    "Random seed: the same seed, the same pushes": "随机种子：相同种子产生相同推送",
    "Shipped orders to track": "要跟踪的已发货订单数",
    "Only what happened within HOURS of each dispatch (default: whole journeys, to "
    "delivery)":
        "仅限每次发运后 HOURS 小时内发生的事（默认：完整行程直至签收）",
    # ----- routing ---------------------------------------------------------------------------
    "Routing: rules, region blocks, waves.": "订单路由：规则、区域封锁、波次。",
    "Block a province (福建) or lane region (south) now.": "立即封锁某省份（福建）或线路区域（south）。",
    "outbound: its sites stop shipping; inbound: no deliveries into it; both":
        "outbound：区域内仓库停止发货；inbound：不向该区域配送；both：两者",
    "Lift a block; orders held for it are routed again.": "解除封锁；因其挂起的订单重新路由。",
    "Active region blocks.": "生效中的区域封锁。",
    "Re-optimise the allocated, not yet released orders together (HiGHS MIP).":
        "将已分配、尚未下发的订单一起重新优化（HiGHS 混合整数规划）。",
    "Seconds for HiGHS": "HiGHS 求解秒数",
    "Report only": "仅报告",
    "Routing rules as data (JSON or YAML files).": "以数据表示的路由规则（JSON 或 YAML 文件）。",
    "Every routing rule with its version and state.": "每条路由规则及其版本与状态。",
    "Create or update rules from a JSON or YAML file (all valid, or nothing changes).":
        "从 JSON 或 YAML 文件创建或更新规则（全部有效才生效，否则不做任何更改）。",
    "Write every live rule (routing rules and validation checks) to a file to keep in git.":
        "将所有现行规则（路由规则与校验）写入文件，以便存入 git。",
    "File (.json or .yaml); standard output if omitted": "文件（.json 或 .yaml）；省略则输出到标准输出",
    "Turn a sentence (Chinese or English) into a rule; shows it, saves it with --save.":
        "将一句话（中文或英文）转为规则；显示规则，加 --save 则保存。",
    "Code for the new rule": "新规则的代码",
    "Save it (needs --reason)": "保存（需要 --reason）",
    "Why, when saving": "保存时的原因",
    "Stop applying a rule (new orders at once); its history is kept.":
        "停止应用某规则（新订单立即生效）；保留其历史。",
    "Every version of a routing rule: when, who, why and what.":
        "路由规则的每个版本：何时、何人、为何、改了什么。",
    # ----- scenario --------------------------------------------------------------------------
    "Replay scenarios on a scratch copy of the demo network.": "在演示网络的临时副本上重放场景。",
    "A warehouse closes mid-stream: orders re-routed, promises kept, held, flagged.":
        "订单流中途关闭一个仓库：订单重新路由、承诺保持、挂起或标记。",
    "Warehouse to close": "要关闭的仓库",
    # ----- rules -----------------------------------------------------------------------------
    "Rule sets: draft, simulate (sandbox), canary, compare, activate, rollback.":
        "规则集：草稿、模拟（沙盒）、灰度发布、对比、启用、回滚。",
    "Make a draft rule set.": "创建规则集草稿。",
    "JSON/YAML rule file; omitted: a copy of the live rules":
        "JSON/YAML 规则文件；省略则复制现行规则",
    "A set's state and what it would change in the live rules; --export writes it.":
        "规则集的状态及其对现行规则的改动；--export 将其写出。",
    "Write the set's rules to this file (.json or .yaml) to keep in git":
        "将规则集的规则写入此文件（.json 或 .yaml），以便存入 git",
    "Every rule set with its state.": "每个规则集及其状态。",
    "Sandbox: replay past orders through the set beside the live rules, plus stress "
    "scenarios; a pass marks the set tested. Exit 1 if it fails.":
        "沙盒：用该规则集与现行规则并行回放历史订单，并运行压力场景；通过即标记为已测试。"
        "未通过时退出码为 1。",
    "Replay window, e.g. 7d or 12h": "回放时间窗，如 7d 或 12h",
    "Replay in order time with stock running down (each side its own copy), not each order "
    "on its own":
        "按下单时间回放并逐步扣减库存（双方各用一份库存副本），而非逐单独立回放",
    "Route a slice of new orders by the set.": "按该规则集路由一部分新订单（灰度发布）。",
    "Orders collected at this store; repeatable": "在该门店自提的订单；可重复",
    "The canary's orders beside the others'.": "灰度组订单与其他订单的对比。",
    "Make the canary's rules the routing rules for all orders.": "将灰度规则设为所有订单的路由规则。",
    "Stop a canary, or restore the rules live before an active set (new orders at once).":
        "停止灰度，或恢复启用该规则集之前的现行规则（新订单立即生效）。",
    # ----- usage -----------------------------------------------------------------------------
    "Metered usage per tenant and monthly statements.": "各租户的计量用量与月度账单。",
    "Calls, failed calls, orders and rows of a month, grouped.": "某月的调用、失败调用、订单与行数，分组统计。",
    "YYYY-MM; this month if not given": "YYYY-MM；不指定则为本月",
    "operation | credential | day": "operation（操作）| credential（凭证）| day（日）",
    "The month's bill per service of the catalogue: units, unit price, amount (CNY).":
        "按服务目录列出的当月账单：用量、单价、金额（人民币）。",
    "YYYY-MM": "YYYY-MM（年-月）",
    # ----- tenant ----------------------------------------------------------------------------
    "Tenants: provision one with its first administrator, list them.":
        "租户：开通租户及其首位管理员，列出租户。",
    "Create the tenant, an administrator API key and console user; their secrets are "
    "printed once, here, and stored nowhere in clear.":
        "创建租户、管理员 API 密钥与控制台用户；其密钥仅在此打印一次，不以明文存储。",
    "Tenant id, e.g. ACME": "租户 ID，如 ACME",
    "The first administrator's login": "首位管理员的登录名",
    "Display name": "显示名称",
    "Every tenant.": "所有租户。",
    # ----- access ----------------------------------------------------------------------------
    "Access: API keys, console users, roles and scopes.": "访问控制：API 密钥、控制台用户、角色与权限范围。",
    "A platform operator's key: provisions tenants, acts for any tenant named in "
    "X-Tenant-ID, reads the shared backbone; personal data masked.":
        "平台运营方密钥：开通租户，代表 X-Tenant-ID 指定的任一租户操作，读取共享事件总线；"
        "个人信息遮蔽。",
    "Who uses it": "使用者",
    "Every role and its scopes.": "每个角色及其权限范围。",
    "The scope every operation requires, and which roles hold it.":
        "每项操作所需的权限范围，以及哪些角色拥有它。",
    "The docs table": "文档中的表格",
    "API keys: create, list, rotate, revoke.": "API 密钥：创建、列出、轮换、吊销。",
    "A new API key; its token is printed once.": "新建 API 密钥；令牌仅打印一次。",
    "Who or what uses the key": "使用该密钥的人或系统",
    "tenant_admin, operations, rules_author, ... (orderhub access roles)":
        "tenant_admin、operations、rules_author……（见 orderhub access roles）",
    "A scope (repeat); with a role it narrows it": "权限范围（可重复）；与角色同用时收窄角色权限",
    "Logistics: only orders of this warehouse (repeat)": "物流：仅限该仓库的订单（可重复）",
    "Who has access: keys and console sessions, their state and when last used.":
        "谁有访问权：密钥与控制台会话、其状态与最近使用时间。",
    "Revoked ones too": "包括已吊销的",
    "Revoke a key now.": "立即吊销密钥。",
    "A new token for the key; the old one works for --grace-hours more.":
        "为密钥生成新令牌；旧令牌在 --grace-hours 小时内仍可用。",
    "How long the old key keeps working": "旧密钥继续可用的时长",
    "Console users: create, list, change, disable.": "控制台用户：创建、列出、修改、停用。",
    "A console user with a generated password (printed once).": "新建控制台用户并生成密码（仅打印一次）。",
    "Console users: login, role or scopes, state, last login.":
        "控制台用户：登录名、角色或权限范围、状态、最近登录。",
    "Disable a user (ending their sessions), or --enable again.":
        "停用用户（结束其会话），或用 --enable 重新启用。",
    "Enable again": "重新启用",
    # ----- keys ------------------------------------------------------------------------------
    "Master and audit keys; key rotation.": "主密钥与审计密钥；密钥轮换。",
    "Create the master and audit key files if missing (existing keys are kept).":
        "在缺失时创建主密钥与审计密钥文件（已有密钥保留）。",
    "Where the key files go (default: ORDERHUB_KEY_DIR or .orderhub)":
        "密钥文件存放位置（默认：ORDERHUB_KEY_DIR 或 .orderhub）",
    "Re-wrap every tenant's data keys under a new master key, in one transaction. Refused, "
    "with nothing changed, if the new key is malformed or the current key cannot open the "
    "stored keys. Afterwards the key file is replaced (the old one is kept as "
    "master.previous.key so processes started meanwhile still open their keys).":
        "在一个事务中用新主密钥重新封装每个租户的数据密钥。若新密钥格式错误或当前密钥无法打开"
        "已存密钥，则拒绝执行且不做任何更改。之后替换密钥文件（旧密钥保存为 "
        "master.previous.key，使期间启动的进程仍能打开其密钥）。",
    "File holding the new master key (base64 of 32 bytes)": "存放新主密钥的文件（32 字节的 base64）",
    "Start a new data-key version for new writes and re-encrypt stored rows under it in "
    "batches (older versions keep decrypting meanwhile).":
        "为新写入启用新的数据密钥版本，并分批用其重新加密已存数据（期间旧版本仍可解密）。",
    "Only this tenant (default: every tenant)": "仅此租户（默认：所有租户）",
    # ----- sla -------------------------------------------------------------------------------
    "SLA policies and working calendars (the order twin measures by them).":
        "SLA 策略与工作日历（订单数字孪生据此衡量）。",
    "The policy in force (or `--version`), as JSON.": "以 JSON 输出现行策略（或 `--version` 指定的版本）。",
    "Every version: who changed the policy, when and why.": "每个版本：谁、何时、为何修改了策略。",
    "A new policy version from a JSON or YAML file (see docs/twin.md).":
        "从 JSON 或 YAML 文件创建新策略版本（见 docs/twin.md）。",
    "Why (kept in the audit log)": "原因（记入审计日志）",
    "A warehouse's working calendar (`*` for all) from a JSON or YAML file.":
        "从 JSON 或 YAML 文件设置仓库的工作日历（`*` 表示全部仓库）。",
    # ----- alerts ----------------------------------------------------------------------------
    "Alerts on orders: stalled steps and promises at risk.": "订单告警：停滞的环节与有风险的交付承诺。",
    "Alerts, newest first (unresolved ones unless --state says otherwise).":
        "告警，最新的在前（除非 --state 另有指定，只列未解决的）。",
    "open, acknowledged, resolved or unresolved": "open（未处理）、acknowledged（已确认）、"
        "resolved（已解决）或 unresolved（未解决）",
    "stalled or at_risk": "stalled（停滞）或 at_risk（有风险）",
    "Take an alert: it stops escalating.": "认领告警：其停止升级。",
    "Bring the twins up to date and raise what is due now (what the server does every "
    "second), for a process that does not run `serve` or `worker`.":
        "更新订单数字孪生并发出当前到期的告警（服务端每秒执行一次），供未运行 `serve` 或 "
        "`worker` 的进程使用。",
    # ----- risk ------------------------------------------------------------------------------
    "Late-delivery risk model (延误风险模型): train, evaluate, list versions.":
        "延误风险模型：训练、评估、列出版本。",
    "Train a version on days 1..train-days, evaluate it and the baseline on the rest.":
        "用第 1 至 train-days 天训练一个版本，并在其余天数上评估它与基线。",
    "JSON-lines history from `orderhub simulate --days N --out FILE`; without it a month is "
    "simulated in memory with --seed":
        "来自 `orderhub simulate --days N --out FILE` 的 JSON lines 历史；不提供则按 --seed "
        "在内存中模拟一个月",
    "Seed of the simulated month": "模拟月份的随机种子",
    "Days simulated": "模拟天数",
    "Days simulated (with --from-hub: days of the hub's history)": "模拟天数（配合 --from-hub：订单中枢历史的天数）",
    "Learn from this hub's own orders and events (从订单中枢历史学习): those placed in the last --days days, the last --held-out-days held out":
        "从本订单中枢自己的订单和事件中学习：最近 --days 天内下的订单，最后 --held-out-days 天留出用于评估",
    "With --from-hub: days held out": "配合 --from-hub：留出评估的天数",
    "Days 1..N train; later days are held out": "第 1 至 N 天用于训练；之后的天数留作评估",
    "Orders on an ordinary day": "平日的订单量",
    "First day (YYYY-MM-DD)": "第一天（YYYY-MM-DD）",
    "Make it the champion if it beats the baseline": "若优于基线则设为冠军模型",
    "AUC and Brier score of a stored model and of the SLA baseline on held-out days.":
        "已存模型与 SLA 基线在留出天数上的 AUC 与 Brier 分数。",
    "A stored version; default the champion": "已存的版本；默认为冠军模型",
    "Stored versions with their held-out metrics; * marks the champion.":
        "已存版本及其留出集指标；* 标记冠军模型。",
    "Make a stored version the champion by hand (audited).": "手动将某已存版本设为冠军模型（记入审计）。",
    "The version to score with": "用于评分的版本",
    # ----- exceptions ------------------------------------------------------------------------
    "The exception desk: one queue, remedies with cost and time, approvals (异常处理台).":
        "异常处理台：统一队列、附成本与时间的处理方案、审批。",
    "The queue, newest first (held orders not yet on it are added first).":
        "异常队列，最新的在前（尚未入队的挂起订单会先加入）。",
    "held, stalled, at_risk, anomaly, ...": "held（挂起）、stalled（停滞）、at_risk（有风险）、"
        "anomaly（异常）……",
    "L1, L2 or L3 (the best remedy's)": "L1、L2 或 L3（最佳处理方案的权限级别）",
    "open or resolved": "open（未处理）或 resolved（已解决）",
    "Only this order's": "仅此订单的",
    "next_cursor of the previous page": "上一页的 next_cursor",
    "One exception with its ranked remedies and its proposals.": "单个异常及其排序后的处理方案与提议。",
    "Apply remedy N (L1 at once; L2/L3 become a proposal for others to approve).":
        "执行处理方案 N（L1 立即执行；L2/L3 成为提议，待他人审批）。",
    "Approve the proposal of remedy N (never your own).": "批准处理方案 N 的提议（不能批准自己的）。",
    "Reject the proposal of remedy N, with the reason.": "驳回处理方案 N 的提议，并说明原因。",
    "Why (required)": "原因（必填）",
    "Compute the remedies afresh from current stock and network.": "根据当前库存与网络重新计算处理方案。",
    "Show the tier policy in force, or set a new version (--set FILE --reason).":
        "显示现行三阶权限策略，或设置新版本（--set FILE --reason）。",
    "A JSON or YAML tier policy document to put in force (a new version)":
        "要生效的 JSON 或 YAML 三阶权限策略文档（新版本）",
    "SKU substitutions remedies may use (替代商品).": "处理方案可使用的替代商品。",
    "SKUs and what may replace them (JSON unless --csv).": "SKU 及其可替代商品（默认 JSON，可用 --csv）。",
    "Only this SKU's": "仅此 SKU 的",
    "SUBSTITUTE may replace SKU (audited).": "SUBSTITUTE 可替代 SKU（记入审计）。",
    "Units of SUBSTITUTE per unit": "每单位所需的 SUBSTITUTE 数量",
    "SUBSTITUTE no longer replaces SKU (audited).": "SUBSTITUTE 不再替代 SKU（记入审计）。",
    # ----- fx (exchange rates, 汇率) --------------------------------------------------------
    "Exchange rates into the tenant's base currency (汇率).": "租户本位币汇率（汇率）。",
    "Effective date, YYYY-MM-DD (default: today, UTC)": "生效日期，YYYY-MM-DD（默认：今天，UTC）",
    "CSV file: currency,rate,effective_date[,source]": "CSV 文件：currency,rate,effective_date[,source]（货币、汇率、生效日期[、来源]）",
    "Load a rate file; a bad row refuses the whole file (line and field named).": "导入汇率文件；任一行有误则整个文件被拒绝（指明行号和字段）。",
    "ISO 4217 code, e.g. USD": "ISO 4217 货币代码，例如 USD",
    "Units of the base currency per unit": "每单位该货币折合的本位币金额",
    "Where the rate comes from, e.g. 'PBOC central parity'": "汇率来源，例如“中国人民银行中间价”（PBOC central parity）",
    "Set one rate (replaces the same currency and day).": "设置一条汇率（替换同一货币同一日期的汇率）。",
    "Effective date, YYYY-MM-DD": "生效日期，YYYY-MM-DD",
    "Remove one rate.": "删除一条汇率。",
    "Only this currency": "只看该货币",
    "Stored rates, newest first, with the base currency and staleness limit.": "已存汇率（最新在前），以及本位币和汇率有效天数。",
    "Base currency, e.g. CNY": "本位币，例如 CNY",
    "Days a rate may be used after its effective date": "汇率生效后可使用的天数（超过即过期）",
    "Show, or change, the base currency and staleness limit.": "查看或修改本位币和汇率有效天数。",
    "the file has no rates": "文件中没有汇率",
    "currency": "货币",
    "effective date": "生效日期",
    "rate": "汇率",
    "source": "来源",
    "by": "操作人",
    # ----- anomaly ---------------------------------------------------------------------------
    "Anomaly detection at intake (异常检测): model, settings, detections.":
        "接单时的异常检测：模型、设置、检测结果。",
    "Train the model on the generator's training seeds and make it current (训练模型).":
        "用生成器的训练种子训练模型并设为当前模型。",
    "Comma-separated generator seeds, or a range such as 9001-9005":
        "逗号分隔的生成器种子，或如 9001-9005 的范围",
    "Clean orders per seed": "每个种子的正常订单数",
    "Recall and precision per pattern, false holds on clean traffic (评估), on the held-out "
    "seeds unless --seeds says otherwise.":
        "评估：各模式的召回率与精确率、正常流量中的误挂起，默认用留出种子，可用 --seeds 指定。",
    "Score without the model": "不使用模型评分",
    "Recent detections, newest first (最近的异常).": "最近的异常，最新的在前。",
    "hold | flag": "hold（挂起）| flag（标记）",
    "A reason code": "原因代码",
    "The tenant's settings and the model in force (设置).": "租户的设置与现行模型。",
    "Change settings; audited with the reason (修改设置，记入审计).": "修改设置，连同原因记入审计。",
    "name=value pairs, e.g. enabled=false hold_threshold=0.9":
        "name=value 形式的设置，如 enabled=false hold_threshold=0.9",
    "Why (audited)": "原因（记入审计）",
    "Delete intake fingerprints past their windows (清理过期指纹).": "清理已过时间窗的接单指纹。",
    # ----- sagas -----------------------------------------------------------------------------
    "Compensation sagas (补偿事务): list, show, retry.": "补偿事务：列出、查看、重试。",
    "Sagas, newest first.": "补偿事务，最新的在前。",
    "running, done or needs_human": "running（进行中）、done（完成）或 needs_human（需人工）",
    "One order's sagas": "单个订单的补偿事务",
    "One saga and its steps.": "单个补偿事务及其步骤。",
    "Try a saga that needs a human again, from its failed step.": "从失败的步骤起重试需人工处理的补偿事务。",
    # ----- orderhub channel: channels and their cut-over in shadow mode --------------------
    "Sales channels: list, show, shadow mode, cut-over report, promote.":
        "销售渠道：列表、详情、影子模式、切换对比报告、转为正式。",
    "Cut-over in shadow mode: the legacy system's export and the comparison with it.":
        "影子模式切换：导入旧系统导出的订单，并与之逐单对比。",
    "Window start, ISO 8601 with a time zone (e.g. 2026-12-01T00:00:00+08:00)":
        "时间窗口起点，ISO 8601，须带时区（如 2026-12-01T00:00:00+08:00）",
    "Window end (excluded), ISO 8601 with a time zone": "时间窗口终点（不含），ISO 8601，须带时区",
    "Channels with their adapter and mode (live or shadow).":
        "各渠道及其适配器与模式（正式 live 或影子 shadow）。",
    "One channel: its mode, shadow orders recorded and legacy rows imported.":
        "单个渠道：模式、已记录的影子订单数、已导入的旧系统订单数。",
    "Why (kept on the event and in the audit log)": "原因（记入事件与审计日志）",
    "Put a channel into shadow mode: its new orders are validated and routed but not reserved or released (the legacy system keeps running them).":
        "将渠道置于影子模式：其新订单照常校验和路由，但不锁定库存、不下发仓库（仍由旧系统履约）。",
    "Consistency rate the report must reach, 0..1 (e.g. 0.98)": "对比报告须达到的一致率，0..1（如 0.98）",
    "Orders compared, at least": "至少对比的订单数",
    "Switch a shadow channel live if its cut-over report meets the bar; else refuse with the figures (exit code 3). Shadow orders stay shadow records; new orders are live.":
        "对比报告达标时将影子渠道转为正式；否则拒绝并给出数据（退出码 3）。已有影子订单仍为影子记录；之后的新订单为正式订单。",
    "The legacy system's export (.csv or .xlsx)": "旧系统的订单导出文件（.csv 或 .xlsx）",
    "field=Header for a column not recognised (fields: external_id, status, warehouse, total, currency, held, hold_reason, placed_at)":
        "字段=表头，用于未能识别的列（字段：external_id、status、warehouse、total、currency、held、hold_reason、placed_at）",
    "Currency of rows that name none": "未写币种的行所用的币种",
    "Import the legacy system's export of the channel's orders (one row per order: order id, status, warehouse, total, currency, hold flag or reason).":
        "导入旧系统导出的该渠道订单（每单一行：订单号、状态、仓库、金额、币种、挂起标记或原因）。",
    "Differences shown at most (0: all)": "最多显示的差异条数（0：全部）",
    "The consistency rate of the channel's shadow orders against the legacy export over the window, and every difference.":
        "时间窗口内该渠道影子订单与旧系统导出的一致率，以及每一处差异。",
    "channel {code} is now in shadow mode: its orders reserve nothing":
        "渠道 {code} 已进入影子模式：其订单不锁定库存",
    "channel {code} is live: consistency rate {rate} over {n} orders":
        "渠道 {code} 已转为正式：{n} 个订单的一致率为 {rate}",
    "{rows} legacy orders imported for {code} ({replaced} replaced earlier rows)":
        "已为 {code} 导入 {rows} 个旧系统订单（其中 {replaced} 个替换了此前导入的行）",
    "{code}: consistency rate {rate} ({consistent} of {compared} orders; {matched} on both sides)":
        "{code}：一致率 {rate}（{compared} 个订单中 {consistent} 个一致；两边都有的 {matched} 个）",
    "{n} more differences (--limit 0 or --json for all)": "另有 {n} 处差异（用 --limit 0 或 --json 查看全部）",
    "{option}: '{value}' is not an ISO 8601 date-time": "{option}：'{value}' 不是 ISO 8601 日期时间",
    "{option}: needs a time zone (e.g. +08:00 or Z)": "{option}：须带时区（如 +08:00 或 Z）",
    "--min-rate: '{value}' is not a number": "--min-rate：'{value}' 不是数字",
    "external id": "外部订单号",
    "difference": "差异",
    "hub": "订单中枢",
    "legacy": "旧系统",
    "mode": "模式",
    "shadow orders recorded": "已记录的影子订单",
    "legacy rows imported": "已导入的旧系统订单",
    "missing in the hub": "订单中枢缺单",
    "missing in the legacy export": "旧系统缺单",
    "amount differs": "金额不同",
    "currency differs": "币种不同",
    "warehouse differs": "仓库不同",
    "hold differs": "挂起状态不同",
    "cancellation differs": "取消状态不同",
    # ----- forecast (需求预测) ------------------------------------------------------------
    "Demand forecasts (需求预测): fit, import history, show, models, backtest, drift.":
        "需求预测：拟合、导入历史、查看、模型、回测、漂移。",
    "Fit daily demand per SKU × warehouse, choose a model per series by backtest, store the run (a new version).":
        "按 SKU × 仓库拟合每日需求，按回测为每条序列选择模型，保存本次运行（新版本）。",
    "hub (this hub's orders) or the name of an imported data set":
        "hub（本订单中枢的订单）或已导入数据集的名称",
    "With --source hub: warehouse (ship-from) or region (destination)":
        "配合 --source hub：warehouse（发货仓库）或 region（目的地区）",
    "First day of history (YYYY-MM-DD)": "历史的第一天（YYYY-MM-DD）",
    "Last day of history (YYYY-MM-DD)": "历史的最后一天（YYYY-MM-DD）",
    "Days to forecast": "预测天数",
    "Fit the models on the last N days only (faster; default all the history)":
        "仅用最近 N 天拟合模型（更快；默认使用全部历史）",
    "Backtest windows (rolling origins)": "回测窗口数（滚动起点）",
    "Series fitted in parallel (processes)": "并行拟合的序列数（进程）",
    "A run id; default the latest": "运行编号；默认最新一次",
    "Load external demand history; bad rows are reported with their row and field.":
        "导入外部需求历史；有问题的行会连同行号和字段一起报告。",
    "CSV or XLSX: sku, warehouse or region, date, quantity":
        "CSV 或 XLSX：sku、warehouse 或 region、date、quantity",
    "Name of the data set (default: the file's name); importing it again replaces it":
        "数据集名称（默认：文件名）；再次导入将替换它",
    "Daily demand of a SKU with its 80% and 95% prediction intervals.":
        "某个 SKU 的每日需求及其 80% 和 95% 预测区间。",
    "The SKU": "该 SKU",
    "One warehouse (or region); default every location and the SKU's total":
        "某个仓库（或地区）；默认所有地点及该 SKU 的合计",
    "Last day (YYYY-MM-DD)": "最后一天（YYYY-MM-DD）",
    "Champion/challenger per segment: which model serves, its backtest WAPE, baselines.":
        "按分群的冠军/挑战者：哪个模型在用、其回测 WAPE、基线。",
    "Forecast runs (versions), newest first.": "预测运行（版本），最新的在前。",
    "Live error since the fit against each series' backtest band; flags drifted series.":
        "拟合以来的实时误差与各序列回测区间比较；标记发生漂移的序列。",
    "WAPE, MASE, bias and interval coverage per level and segment, beside the baselines (seasonal-naive, naive, historic mean), on held-out periods.":
        "在留出期上按层级和分群给出 WAPE、MASE、偏差和区间覆盖率，并与基线（季节朴素、朴素、历史均值）并列。",
    "hub, simulated, electronics, or an imported data set":
        "hub、simulated（模拟）、electronics（公开数据集）或已导入的数据集",
    "With hub: warehouse or region": "配合 hub：warehouse（仓库）或 region（地区）",
    "Held-out periods (rolling origins)": "留出期数（滚动起点）",
    "With simulated: the seed": "配合 simulated：随机种子",
    "With simulated: SKUs": "配合 simulated：SKU 数",
    "Write a simulated year of daily demand per SKU × warehouse (weekly seasonality, 618, Double 11, Spring Festival, intermittent slow movers) for `forecast import`.":
        "写出模拟的一年按 SKU × 仓库的每日需求（周季节性、618、双十一、春节、间歇性慢动销），供 `forecast import` 使用。",
    "CSV file to write": "要写入的 CSV 文件",
    "Seed": "随机种子",
    "SKUs": "SKU 数",
    "Days": "天数",
    "fitting demand forecasts": "拟合需求预测",
    "backtesting": "回测中",
    "run {run_id}: {series} series in {seconds} s; {fallbacks} fell back to a baseline":
        "运行 {run_id}：{series} 条序列，用时 {seconds} 秒；{fallbacks} 条回退到基线",
    "serving models": "在用模型",
    "data set {dataset}: {stored} rows stored, {refused} refused":
        "数据集 {dataset}：已保存 {stored} 行，拒绝 {refused} 行",
    "refused": "已拒绝",
    "note": "注意",
    "no forecast for {sku} in run {run_id}": "运行 {run_id} 中没有 {sku} 的预测",
    "all locations": "所有地点",
    "run {run_id}": "运行 {run_id}",
    "yes": "是",
    "{drifted} of {total} series drifted": "{total} 条序列中 {drifted} 条发生漂移",
    "no demand history in {dataset}": "{dataset} 中没有需求历史",
    "held-out accuracy: {series} series fits, {fallbacks} fell back":
        "留出期准确度：拟合 {series} 条序列，{fallbacks} 条回退到基线",
    "{rows} rows written to {path}": "已写入 {rows} 行到 {path}",
    # ----- customer service and tracking links (issue 19: cli/cs.py, order tracking-link) -----
    "Customer service (客服): find orders, service scripts, tracking links.":
        "客服：查找订单、客服话术、物流查询链接。",
    "Orders by the buyer's phone (through the blind index), order number or waybill.":
        "按买家手机号（经盲索引）、订单号或运单号查找订单。",
    "The buyer's phone (exact)": "买家手机号（精确匹配）",
    "The channel's order number": "渠道订单号",
    "A waybill (tracking number)": "运单号",
    "The order as its tracking page tells it, with the service script for its products.":
        "订单在物流查询页上的进度，以及其商品的客服话术。",
    "Language of the script: en or zh": "话术语言：en 或 zh",
    "Service scripts: size guide, return policy, contact per SKU, category or the tenant.":
        "客服话术：按 SKU、类目或租户设置尺码指南、退货政策、联系方式。",
    "Set the service script of a SKU, a category or the tenant, in one language.":
        "设置 SKU、类目或租户的客服话术（一种语言）。",
    "sku:<code>, category:<name> or * (the tenant's default)":
        "sku:<编码>、category:<类目> 或 *（租户默认）",
    "Language of the texts: en or zh": "文本语言：en 或 zh",
    "Size guide": "尺码指南",
    "Return policy": "退货政策",
    "How to reach customer service": "客服联系方式",
    "The tenant's service scripts.": "租户的客服话术。",
    "Remove a target's service script.": "删除某一对象的客服话术。",
    "Only this language (en or zh)": "仅此语言（en 或 zh）",
    "A new key for the tenant's tracking links: every link issued before stops opening.":
        "为租户的物流查询链接换新密钥：之前签发的链接全部失效。",
    "A link to the order's public tracking page (物流查询页): signed, expiring, personal data "
    "masked; or, with --revoke, its links stop opening.":
        "订单公开物流查询页（物流查询页）的链接：签名、有有效期、个人信息脱敏；加 --revoke 则使其已有链接失效。",
    "How long the link opens: 30d, 12h, 90m, 2w (at most 366 days)":
        "链接有效期：30d、12h、90m、2w（最长 366 天）",
    "Revoke the order's links issued so far instead": "改为撤销该订单已签发的链接",
    "links of {order} revoked": "订单 {order} 的链接已撤销",
    "expires {at}": "有效期至 {at}",
    "promised": "承诺送达",
    "size_guide": "尺码指南",
    "return_policy": "退货政策",
    "contact": "联系方式",
    "service script of {target} ({lang}) saved": "{target}（{lang}）的客服话术已保存",
    "{n} removed": "已删除 {n} 条",
    "tracking-link key v{version}; {retired} older key(s) retired":
        "物流查询链接密钥 v{version}；{retired} 个旧密钥已停用",
    "no order found": "未找到订单",
    "give a phone, an order number or a waybill": "请提供手机号、订单号或运单号",
    # ----- label (发货单据: 面单与装箱单) -------------------------------------------------------
    "Shipping documents (发货单据): carrier labels and packing lists as PDF or ZPL, reprints, a wave's labels in one file, carriers' label layouts.":
        "发货单据：承运商面单与装箱单（PDF 或 ZPL）、补打、按波次合并打印、承运商面单模板。",
    "Carriers' label layouts (面单模板): list, show, save a new version, versions.":
        "承运商面单模板：列出、查看、保存新版本、历史版本。",
    "A shipment id, or an order id (all its shipments)": "包裹号，或订单号（其全部包裹）",
    "Carrier code (SF, ZTO, ...) or default": "承运商代码（SF、ZTO……）或 default",
    "Carriers with a label layout: built-in, or the tenant's own (newest version).":
        "有面单模板的承运商：内置模板，或租户自有模板（最新版本）。",
    "Every label (or packing list) of the shipments released to a warehouse and not picked yet, in one PDF or one ZPL stream, in release order; audited once.":
        "已下发到某仓库且尚未拣货的全部包裹的面单（或装箱单），按下发顺序合成一个 PDF 或一个 ZPL 流；记一次审计。",
    "Every saved version of the tenant's layout for a carrier.": "租户为某承运商保存过的全部模板版本。",
    "File to write the document to": "写入单据的文件",
    "Only orders released at or after this time (ISO 8601; UTC when no offset is given)":
        "只含此时间及之后下发的订单（ISO 8601；未写时区时按 UTC）",
    "Print or reprint the label (or packing list) of a shipment or of an order's shipments, rendered now from the order; the print is audited.":
        "打印或补打一个包裹或一个订单全部包裹的面单（或装箱单），按订单当前数据即时生成；打印记入审计。",
    "Save a new version of the tenant's layout for a carrier, checked whole (an unknown field name is refused with its place in the file; nothing is stored); audited.":
        "为某承运商保存租户模板的新版本，整体校验（未知字段名会被拒绝并指出其在文件中的位置，且不保存任何内容）；记入审计。",
    "The documents produced for a shipment or an order: kind, format, layout version, SHA-256, when and by whom (never their content).":
        "为包裹或订单生成的单据：类型、格式、模板版本、SHA-256、时间与操作人（从不含单据内容）。",
    "The layout a carrier's labels print with now, as JSON (edit it and `layout set`).":
        "某承运商面单当前使用的模板，以 JSON 输出（可编辑后用 `layout set` 保存）。",
    "The layout, JSON or YAML": "模板文件，JSON 或 YAML",
    "The warehouse's code": "仓库代码",
    "label or packing_list": "label（面单）或 packing_list（装箱单）",
    "pdf or zpl (thermal printers)": "pdf 或 zpl（热敏打印机）",
    "{count} shipment(s), {pages} page(s) written to {path} (sha256 {sha})":
        "{count} 个包裹、{pages} 页已写入 {path}（sha256 {sha}）",
    "--since: '{value}' is not an ISO 8601 date or time": "--since：'{value}' 不是 ISO 8601 日期或时间",
    "no documents yet": "尚无单据",
    "shipment": "包裹",
    "kind": "类型",
    "format": "格式",
    "waybill": "运单号",
    "layout": "模板",
    "created (UTC)": "生成时间（UTC）",
    "carrier": "承运商",
    "version": "版本",
    "builtin": "内置",
    "tenant": "租户",
    "layout for {carrier} saved: version {version}": "{carrier} 的面单模板已保存：版本 {version}",
    # ----- orderhub reconcile: 对账 (channel settlements and carrier bills) ----------------
    "Reconciliation of channel settlements and carrier bills: import, run, report, close.":
        "渠道结算与承运商账单对账：导入、对账、报告、关账。",
    "The month, YYYY-MM": "期间（月份），YYYY-MM",
    "A channel code or carrier:<name> (default: every one with imports in the period)":
        "渠道代码或 carrier:<承运商>（默认：本期间有导入的全部）",
    "The settlement file or carrier bill (.csv or .xlsx)": "结算账单或承运商运费账单（.csv 或 .xlsx）",
    "tmall, jd, douyin, shopify or carrier:<name>": "来源：tmall（天猫/淘宝）、jd（京东）、douyin（抖店）、shopify 或 carrier:<承运商>",
    "The month, YYYY-MM (default: the month of the rows' dates)":
        "期间（月份），YYYY-MM（默认：取各行日期所在月份）",
    "The tenant's channel code the file settles (default: the source's name)":
        "该文件结算的本租户渠道代码（默认：与来源同名）",
    "Import a channel's settlement file or a carrier's bill; a bad file is refused whole with every bad column, row and field.":
        "导入渠道结算账单或承运商运费账单；有误的文件整体拒收，并列出每个有误的列、行和字段。",
    "Amount differences up to this are matches (default 0.01)": "不超过此值的金额差异视为一致（默认 0.01）",
    "type=rate: the expected rate of a fee or commission type of the grand total, e.g. 佣金=0.05 (repeatable)":
        "类型=费率：某费用或佣金类型占订单总额的应收费率，如 佣金=0.05（可重复）",
    "Reconcile the period: match every settlement row to an order, refund or shipment, or flag it with a reason code.":
        "对账：将每条结算记录匹配到订单、退款或发货，或以原因代码标记。",
    "Only findings with this reason code (repeatable)": "只显示此原因代码的结果（可重复）",
    "csv or xlsx: write the whole report to --out": "csv 或 xlsx：将完整报告写入 --out",
    "The file to write (with --format)": "要写入的文件（配合 --format）",
    "Findings shown per scope at most": "每个范围最多显示的结果条数",
    "The period's report: per scope, open or closed, the latest run and its findings.":
        "期间对账报告：每个范围的开账/已关账状态、最近一次对账及其结果。",
    "Close the reconciled period on its latest run: later imports and runs are refused.":
        "按最近一次对账关账：此后该期间的导入和对账均被拒绝。",
    "{rows} settlement rows imported for {scope} {period} ({skipped} lines without an order skipped); import {id}":
        "已为 {scope} {period} 导入 {rows} 条结算记录（跳过 {skipped} 行无订单的记录）；导入批次 {id}",
    "{scope} {period}: {rows} rows, {matched} matched, {flagged} flagged, {problems} problems (run {id})":
        "{scope} {period}：{rows} 条记录，已匹配 {matched} 条，标记 {flagged} 条，问题 {problems} 个（对账批次 {id}）",
    "{scope} {period} ({status}): {rows} rows, {matched} matched, {flagged} flagged, {problems} problems (run {id})":
        "{scope} {period}（{status}）：{rows} 条记录，已匹配 {matched} 条，标记 {flagged} 条，问题 {problems} 个（对账批次 {id}）",
    "{scope} {period} ({status}): not reconciled yet": "{scope} {period}（{status}）：尚未对账",
    "{scope} {period} closed on run {run_id} ({problems} problems kept in the report)":
        "{scope} {period} 已按对账批次 {run_id} 关账（报告中保留 {problems} 个问题）",
    "{n} more findings (--limit, --json or --format csv for all)":
        "另有 {n} 条结果（用 --limit、--json 或 --format csv 查看全部）",
    "--format and --out go together": "--format 与 --out 须同时使用",
    "report written to {path}": "报告已写入 {path}",
    "open": "未关账",
    "closed": "已关账",
    "reason": "原因",
    "order": "订单",
    "reference": "流水号",
    "fee type": "费用类型",
    "expected": "应收/应付",
    "settled": "实际结算",
    "rows": "文件行号",
    # ----- order edit (issue 17) ---------------------------------------------------------
    "Edit an order after placement (修改订单): quantities, lines added or removed, the "
    "ship-to, the requested delivery date, the service level. Before release only the "
    "difference is reserved; released or picked, its shipment is cancelled and replaced; "
    "packed or later, refused.":
        "下单后修改订单：数量、增删订单行、收货地址、要求送达日期、服务等级。下发仓库前只预留差额；"
        "已下发或已拣货时，取消并替换其发货单；已打包及之后拒绝修改。",
    "Why the order is edited (audited)": "修改订单的原因（记入审计）",
    "A line's new quantity, LINE=N (repeat for more lines)": "订单行的新数量，行号=数量（可重复）",
    "A line to add, SKU:QTY[:PRICE] (default price: the SKU's list price; repeat for more)":
        "新增订单行，SKU:数量[:单价]（默认单价：SKU 标价；可重复）",
    "A line number to remove (repeat for more)": "要删除的行号（可重复）",
    "New ship-to country (ISO 3166-1 alpha-2)": "新的收货国家（ISO 3166-1 二位代码）",
    "New ship-to province": "新的收货省份",
    "New ship-to city": "新的收货城市",
    "New ship-to district": "新的收货区县",
    "New ship-to street address": "新的收货详细地址",
    "New ship-to postal code": "新的收货邮编",
    "New recipient name": "新的收件人姓名",
    "New recipient phone": "新的收件人电话",
    "Requested delivery date YYYY-MM-DD (none: clear it)": "要求送达日期 YYYY-MM-DD（none：清除）",
    "same_day, next_day, express, standard or economy":
        "same_day（当日达）、next_day（次日达）、express（快递）、standard（标准）或 economy（经济）",
    "The order version you edit from (see order show); refused if it changed meanwhile":
        "修改所基于的订单版本号（见 order show）；若订单已被他人修改则拒绝",
    "--qty {item}: expected LINE=N, such as 1=3": "--qty {item}：应为 行号=数量，例如 1=3",
    "--add {item}: expected SKU:QTY[:PRICE], such as A:2:9.90":
        "--add {item}：应为 SKU:数量[:单价]，例如 A:2:9.90",
    "--add {item}: the price is not a number": "--add {item}：单价不是数字",
    "--delivery-date {value}: expected YYYY-MM-DD, or none to clear it":
        "--delivery-date {value}：应为 YYYY-MM-DD，或 none 表示清除",
    "{order}: edited ({outcome}), status={status}, version {version}":
        "{order}：已修改（{outcome}），状态={status}，版本 {version}",
    "only the difference reserved": "仅预留差额",
    "routed again": "已重新路由",
    "shipment cancelled and replaced": "发货单已取消并替换",
    "to collect {amount} {currency}": "待收取 {amount} {currency}",
    "to refund {amount} {currency}": "待退款 {amount} {currency}",
    "no money difference": "金额无变化",
    "grand total": "订单总额",
    # ----- plan / transfer (预分配, 调拨单) -----------------------------------------------
    "Pre-allocation 72 hours ahead (预分配): plan transfers, show, accept, reject, settings.":
        "提前 72 小时预分配：计划调拨、查看、接受、拒绝、设置。",
    "Compute the transfers that minimise expected lost sales plus transfer and holding cost over the horizon, from the latest forecasts; store them as a plan to review.":
        "根据最新需求预测，计算使预期缺货损失加调拨和持有成本最小的调拨，并保存为待审核的计划。",
    "How far ahead: hours (72h) or days (3d)": "提前多久：小时（72h）或天（3d）",
    "Accept at once the suggestions the tenant's rule allows (benefit at least the minimum, not flagged)":
        "立即接受租户规则允许的建议（收益不低于下限且未被标记）",
    "Only this SKU (repeatable)": "仅此 SKU（可重复）",
    "Only this site (repeatable)": "仅此站点（可重复）",
    "First day of the horizon (YYYY-MM-DD; default today, or the forecast's first day after it)":
        "计划期的第一天（YYYY-MM-DD；默认今天，或此后预测的第一天）",
    "A plan's suggestions: from, to, SKU, quantity, expected benefit, cost, status, why.":
        "计划中的调拨建议：调出、调入、SKU、数量、预期收益、成本、状态、原因。",
    "The plan's id": "计划编号",
    "Recent pre-allocation plans, newest first.": "最近的预分配计划，最新的在前。",
    "Accept suggestions: each becomes a transfer order reserving its units at the source. Flagged ones (below safety stock) are skipped unless --allow-below-safety.":
        "接受调拨建议：每条生成一张调拨单，并在调出仓预占其数量。被标记的建议（低于安全库存）会被跳过，除非使用 --allow-below-safety。",
    "Suggestion numbers (N, or N:QUANTITY for fewer units; repeatable or comma-separated); default every suggestion still suggested":
        "建议编号（N，或 N:数量 以减少数量；可重复或用逗号分隔）；默认所有仍待定的建议",
    "Also accept flagged suggestions, although the source goes below its safety stock":
        "也接受被标记的建议，即使调出仓会低于安全库存",
    "Reject suggestions (kept in the plan, marked rejected).": "拒绝调拨建议（保留在计划中，标记为已拒绝）。",
    "Suggestion numbers to reject (repeatable or comma-separated)": "要拒绝的建议编号（可重复或用逗号分隔）",
    "The tenant's planning settings (service level, costs, the auto-accept rule, routing's sell-out penalty); --set changes them.":
        "租户的计划设置（服务水平、成本、自动接受规则、订单路由的售罄惩罚）；--set 修改。",
    "NAME=VALUE, e.g. auto_accept_min_benefit=80 or service_level=0.97 (repeatable)":
        "名称=值，例如 auto_accept_min_benefit=80 或 service_level=0.97（可重复）",
    "Transfer orders (调拨单): list, show, ship, receive, cancel.": "调拨单：列表、查看、发出、接收、取消。",
    "The transfer's id": "调拨单编号",
    "The transfer leaves its source: on hand there falls; the units are in transit.":
        "调拨单从调出仓发出：该仓在库减少，货物在途。",
    "The transfer arrives: on hand (and ATP) at the destination rises.":
        "调拨单到达：调入仓的在库（及可承诺量）增加。",
    "Cancel a transfer not shipped yet; its reservation at the source is released.":
        "取消尚未发出的调拨单；释放调出仓的预占。",
    "Transfer orders, newest first.": "调拨单，最新的在前。",
    "created, shipped, received or cancelled": "created（已创建）、shipped（在途）、received（已接收）或 cancelled（已取消）",
    "One transfer order with its times.": "一张调拨单及其各时间点。",
    "planning transfers (HiGHS)": "计划调拨（HiGHS）",
    "plan {id}: {count} suggested transfers, {hours} h ahead, forecast run {run}":
        "计划 {id}：{count} 条调拨建议，提前 {hours} 小时，预测运行 {run}",
    "{skus} SKUs × {sites} sites solved in {seconds} s ({solver}); expected benefit {benefit}, transfer cost {cost}":
        "{skus} 个 SKU × {sites} 个站点，求解用时 {seconds} 秒（{solver}）；预期收益 {benefit}，调拨成本 {cost}",
    "flagged": "已标记",
    "why": "原因",
    "not accepted": "未接受",
    "{count} accepted by the rule: transfers {ids}": "规则自动接受 {count} 条：调拨单 {ids}",
    "{count} accepted: transfers {ids}": "已接受 {count} 条：调拨单 {ids}",
    "{count} rejected": "已拒绝 {count} 条",
    "--only: '{value}' is not N or N:QUANTITY": "--only：'{value}' 不是 N 或 N:数量",
    "--only: '{value}': numbers and quantities must be positive": "--only：'{value}'：编号和数量必须为正数",
    "--set: '{value}' is not NAME=VALUE": "--set：'{value}' 不是“名称=值”的形式",
    "--status: '{value}' is not created, shipped, received or cancelled":
        "--status：'{value}' 不是 created、shipped、received 或 cancelled",
    "transfer {id}: {quantity} × {sku} {origin} → {destination}, now {status}":
        "调拨单 {id}：{quantity} × {sku} {origin} → {destination}，现为 {status}",
    # ----- returns (退货/换货): orderhub return ... --------------------------------------------
    'Returns and exchanges (退货/换货): request, approve, receive, refund.':
        '退货与换货：申请、审核、收货、退款。',
    'Ask for a return of shipped units; approved at once when the return policy allows.':
        '为已发货的商品申请退货；退货政策允许时自动审核通过。',
    "Approve a return waiting for a person (an exchange's order is created and reserved); the return waybill is booked.":
        '人工审核通过待审核的退货（换货会创建并预占换货订单）；随后预约退货电子面单。',
    'Reject a return waiting for a person.':
        '拒绝待人工审核的退货。',
    'Withdraw a return whose goods have not arrived.':
        '撤销商品尚未退回的退货。',
    'Book the return waybill again after a carrier failure (one that exists is kept).':
        '承运商失败后重新预约退货电子面单（已有的保留）。',
    'Receive returned goods with their inspection grade: resell units are available at once; a refund return asks finance for its refund.':
        '按质检等级接收退回商品：可二次销售的立即计入可承诺量；退货退款单随即向财务申请退款。',
    'Record that the refund was paid (RefundCompleted).':
        '记录退款已支付（RefundCompleted）。',
    'One return: lines, decision, waybill, receipt, refund.':
        '单个退货：商品行、审核结果、运单、收货、退款。',
    'Returns, newest first.':
        '退货列表，最新的在前。',
    'Return rates (units returned / units shipped) per SKU and per channel.':
        '按 SKU 和渠道的退货率（退回件数 / 已发件数）。',
    "Show the tenant's return policy, or replace it from a file.":
        '显示租户的退货政策，或从文件替换。',
    'The reason codes a return names, with their Chinese labels.':
        '退货原因代码及其中文名称。',
    'Return id (or a unique beginning of it)':
        '退货编号（或其唯一的开头部分）',
    'Order id (or a unique beginning of it)':
        '订单编号（或其唯一的开头部分）',
    'N:QTY, a line number and the units returned (repeat for more lines)':
        'N:数量，商品行号与退回件数（多行可重复）',
    'damaged, wrong_item, not_as_described, size, changed_mind, late, other':
        'damaged（破损）、wrong_item（发错货）、not_as_described（与描述不符）、size（尺码）、changed_mind（不想要了）、late（送达太晚）、other（其他）',
    'refund or exchange':
        'refund（退货退款）或 exchange（换货）',
    'SKU:QTY an exchange sends instead (default: the same SKUs)':
        'SKU:数量，换货时改发的商品（默认：相同 SKU）',
    'The item was opened':
        '商品已拆封',
    "The customer's words":
        '顾客的原话',
    'Why (kept on the timeline)':
        '原因（记录在时间线上）',
    'Warehouse code where the goods arrived':
        '商品退回的仓库代码',
    'N:QTY:GRADE, grade resell, refurbish or scrap (repeat for more)':
        'N:数量:等级，等级为 resell（可二次销售）、refurbish（待翻新）或 scrap（报废）（可重复）',
    "The payment's reference (finance's or the channel's)":
        '付款凭证号（财务或渠道的）',
    'requested, approved, received, refunded, ...':
        'requested（待审核）、approved（已同意）、received（已收货）、refunded（已退款）……',
    'A JSON file with the new policy (fields left out take defaults)':
        '新退货政策的 JSON 文件（未写的字段取默认值）',
    # ----- order money: balance by line, partial cancellation (cli/orders.py) ---------------
    "The order's money line by line (订单余额): ordered, shipped, cancelled, invoiced, paid, refunded and outstanding, the totals and whether the lines add up to them.":
        "订单的逐行金额（订单余额）：下单、发货、取消、开票、已付、退款与未结金额，合计，以及各行之和是否等于合计。",
    "Cancel some units of some lines before release (部分取消): their stock goes back and their money is not captured (refunded if paid); then the balance.":
        "下发仓库前取消部分订单行的部分件数（部分取消）：库存退回，其金额不再收取（已付则退款）；随后显示订单余额。",
    "LINE_NO=UNITS: units of a line to cancel (repeat for more lines)": "行号=件数：要取消的某行件数（多行可重复本选项）",
    "Why the units are cancelled": "取消这些件数的原因",
    "balance of order {order_id} ({currency}, {status})": "订单 {order_id} 的余额（{currency}，{status}）",
    "money by line": "逐行金额",
    "ordered units": "下单件数",
    "shipped units": "发货件数",
    "cancelled units": "取消件数",
    "ordered amount": "下单金额",
    "invoiced amount": "开票金额",
    "cancelled amount": "取消金额",
    "paid amount": "已付金额",
    "refunded amount": "退款金额",
    "outstanding amount": "未结金额",
    "order totals": "订单合计",
    "the lines add up to the order totals": "各行之和等于订单合计",
    "the lines do not add up to the order totals": "各行之和不等于订单合计",
    "expected LINE_NO=UNITS, got {given}": "应为 行号=件数，实际为 {given}",
    # ----- notify (customer notifications, 顾客通知) ------------------------------------------
    "Customer notifications (顾客通知): templates, opt-outs, delivery log, quiet hours.":
        "顾客通知：模板、退订、发送记录、免打扰时段。",
    "An order's messages and their delivery log (recipients masked).":
        "订单的通知消息及其发送记录（收件人已脱敏）。",
    "Order id": "订单号",
    "Show the settings, or change those given.": "显示通知设置，或修改给出的项。",
    "Local HH:MM-HH:MM, e.g. 22:00-08:00, or off": "当地时间 HH:MM-HH:MM，例如 22:00-08:00，或 off 关闭",
    "IANA time zone, e.g. Asia/Shanghai": "IANA 时区，例如 Asia/Shanghai",
    "Comma-separated: email,sms,wechat": "逗号分隔：email,sms,wechat",
    "auto, zh or en": "auto（按地址自动）、zh 或 en",
    "Send notifications or not": "是否发送通知",
    "Message templates per event, channel, language and medium.": "按事件、渠道、语言和发送方式设置的消息模板。",
    "The shipped default templates and the tenant's own.": "内置默认模板及租户自定义模板。",
    "Only this event type": "只看此事件类型",
    "Only zh or en": "只看 zh 或 en",
    "Save the tenant's template; an unknown placeholder is refused, by name.":
        "保存租户模板；使用未知占位符会被拒绝并指出其名称。",
    "Event type, e.g. OrderAllocated or ShipmentCheckpointRecorded.out_for_delivery":
        "事件类型，例如 OrderAllocated 或 ShipmentCheckpointRecorded.out_for_delivery",
    "Message text (Jinja2), e.g. '运单 {{ waybill }}'": "消息正文（Jinja2），例如 '运单 {{ waybill }}'",
    "Read the text from a file": "从文件读取正文",
    "Email subject": "邮件主题",
    "Sales channel (tmall, shopify, ...) or default": "销售渠道（tmall、shopify……）或 default",
    "zh or en": "zh 或 en",
    "email, sms, wechat, or * for any": "email、sms、wechat，或 * 表示任意",
    "Send during quiet hours too": "免打扰时段也发送（紧急）",
    "No message for this event": "此事件不发送消息",
    "Remove the tenant's template: the shipped default applies again.": "删除租户模板：恢复使用内置默认模板。",
    "Show the message a template makes, without sending it.": "预览模板生成的消息，不发送。",
    "email, sms or wechat": "email、sms 或 wechat",
    "Render for this order (default: a sample order)": "按此订单渲染（默认：示例订单）",
    "Try this text instead of the stored one": "用此正文代替已保存的模板试渲染",
    "The placeholders a template may use.": "模板可使用的占位符。",
    "Customers who get no messages (退订).": "不接收消息的顾客（退订）。",
    "Opt a customer (ref), an email address or a phone number out of a medium.":
        "让顾客（编号）、邮箱地址或手机号退订某种发送方式。",
    "The channel's customer ref": "渠道的顾客编号",
    "An email address": "邮箱地址",
    "A phone number": "手机号",
    "Opt back in.": "重新订阅。",
    "The opt-outs (addresses shown masked).": "退订列表（地址已脱敏）。",
    "event": "事件",
    "medium": "发送方式",
    "text": "正文",
    "subject": "主题",
    "who": "对象",
    "since": "自",
    "to": "收件人",
    "history": "记录",
    "(switched off)": "（已关闭）",
    "channel": "渠道",
    "failed": "失败（将重试）",
    "status": "状态",
    "language": "语言",
    "queued": "已排队",
    "deferred": "已延后（免打扰）",
    "sent": "已发送",
    "dead_lettered": "已转入死信",
    "suppressed": "已抑制",
    "opted back in": "已重新订阅",
    "no notifications for this order": "此订单没有通知",
    "give --body or --body-file": "请给出 --body 或 --body-file",
    "the hub's order id": "订单中枢的订单号",
    "the order number in the sales channel": "销售渠道中的订单号",
    "the sales channel (tmall, shopify, ...)": "销售渠道（tmall、shopify……）",
    "the order's status after the change": "变更后的订单状态",
    "the carrier's code (SF, ZTO, ...)": "承运商代码（SF、ZTO……）",
    "the tracking number (电子面单号)": "运单号（电子面单号）",
    "the link to follow the parcel": "查看物流的链接",
    "the promised delivery date (YYYY-MM-DD), or empty": "承诺送达日期（YYYY-MM-DD），或为空",
    "the buyer's name, masked (张*)": "买家姓名（脱敏，如 张*）",
    "the carrier checkpoint's kind (out_for_delivery, ...)": "物流节点类型（out_for_delivery……）",
    "where the checkpoint happened": "物流节点所在地",
    "the refund's amount": "退款金额",
    "the order's currency": "订单币种",
    "the link that opts the recipient out (email)": "退订链接（邮件）",
    "held": "已挂起",
    # compliance packs (cli/compliance.py)
    "Compliance packs per destination country (合规规则包).": "按目的国的合规规则包（合规规则包）。",
    "The shipped packs and which are enabled.": "内置的规则包及其启用情况。",
    "A pack's rules with their sources and the tenant's overrides.": "规则包的规则、出处及租户的覆盖设置。",
    "ISO country code, e.g. CN": "ISO 国家代码，如 CN",
    "Draft a country's pack (or upgrade it to the shipped version).": "为某国规则包起草规则集（或升级到内置版本）。",
    "Put the rules live at once, without sandbox or canary (audited)": "立即生效，跳过沙盒与灰度（记入审计）",
    "Draft a rule set that switches a country's pack off.": "起草停用某国规则包的规则集。",
    "Override one pack rule (switch it off, change a parameter).": "覆盖规则包中的一条规则（停用或修改参数）。",
    "The pack rule's code, e.g. pack.CN.single-limit": "规则包规则代码，如 pack.CN.single-limit",
    "Switch the pack rule on or off": "启用或停用该规则包规则",
    'name=JSON value, e.g. limit=\'{"amount": "3000", "currency": "CNY"}\' (repeatable)':
        '参数名=JSON 值，如 limit=\'{"amount": "3000", "currency": "CNY"}\'（可重复）',
    "country": "国家",
    "enabled": "启用",
    "disabled": "停用",
    "upgraded": "升级",
    "name": "名称",
    "rules": "规则",
    "overrides": "覆盖",
    "rule set": "规则集",
    " (off)": "（已停用）",
    " (overridden)": "（已覆盖）",
    "draft": "草稿",
    "tested": "已测试",
    "canary": "灰度中",
    "active": "已生效",
    "retired": "已退役",
    "override kept; the pack is not enabled, so no rule set was drafted": "覆盖已保存；规则包未启用，未起草规则集",
    # ----- chat apps (orderhub chat; issue 19 item 3) ----------------------------------------
    "Approvals and alerts in chat apps (DingTalk, WeCom, Slack).": "聊天应用中的审批与告警（钉钉、企业微信、Slack）。",
    "The chat channels cards are pushed to.": "推送卡片的聊天渠道。",
    "Chat users mapped to hub users.": "聊天用户与订单中枢用户的绑定。",
    "dingtalk, wecom or slack": "dingtalk、wecom 或 slack",
    "A name for the channel": "渠道名称",
    "The app's incoming webhook (https://)": "应用的 Webhook 地址（https://）",
    "DingTalk app secret, Slack signing secret or WeCom Token": "钉钉应用 AppSecret、Slack Signing Secret 或企业微信 Token",
    "approvals, alerts, rule_sets (repeat)": "approvals（审批）、alerts（告警）、rule_sets（规则集），可重复",
    "DingTalk robot secret (SEC...)": "钉钉机器人加签密钥（SEC...）",
    "WeCom EncodingAESKey": "企业微信 EncodingAESKey",
    "WeCom CorpID": "企业微信 CorpID",
    "Add a chat channel; its secrets are stored encrypted and never shown again.": "添加聊天渠道；其密钥加密保存，之后不再显示。",
    "The tenant's chat channels (without their secrets).": "租户的聊天渠道（不含密钥）。",
    "The channel's id": "渠道 ID",
    "Enable it again": "重新启用",
    "Stop (or, with --enable, resume) pushing cards to a channel.": "停止（或用 --enable 恢复）向渠道推送卡片。",
    "The app's user id": "应用内的用户 ID",
    "The hub user's login": "订单中枢用户的登录名",
    "Map a chat user to a hub user: their clicks on cards act as that user (audited).": "将聊天用户绑定到订单中枢用户：其在卡片上的操作即以该用户身份进行（记入审计）。",
    "Remove a chat user's mapping: their clicks are refused from now on.": "解除聊天用户的绑定：此后其在卡片上的操作将被拒绝。",
    "Chat users and the hub users they act as.": "聊天用户及其对应的订单中枢用户。",
    "queued, failed, sent or dead_lettered": "queued（已排队）、failed（失败）、sent（已发送）或 dead_lettered（死信）",
    "At most this many": "最多显示条数",
    "The cards pushed to chat apps, newest first, with their delivery state.": "推送到聊天应用的卡片（最新在前）及其投递状态。",
    "app": "应用",
    "subjects": "推送内容",
    "no": "否",
    "chat user": "聊天用户",
    "hub user": "中枢用户",
    "mapped by": "绑定人",
    "exception": "异常",
    "state": "状态",
    "attempts": "尝试次数",
    "approval": "审批",
    "alert": "告警",
    "info": "通知",
    # group-buy pools (orderhub pool)
    "Group-buy pools: orders of a channel pooled for one pickup point.":
        "团购拼单池：同一渠道、同一自提点的订单拼为一单配送。",
    "Pools, newest first: members against the threshold, window, why closed.":
        "拼单池（最新在前）：成员数与成团阈值、时间窗口、关闭原因。",
    "One pool with its deliveries and its orders' statuses, as JSON.":
        "一个拼单池及其配送和各订单状态（JSON）。",
    "Close an open pool now and route it as one delivery.": "立即关闭拼单池并作为一次配送路由。",
    "The pooling policy in force (radius, window, threshold per channel), as JSON.":
        "当前生效的拼单策略（各渠道的半径、时间窗口、阈值），JSON 格式。",
    "open or closed": "open（开放）或 closed（已关闭）",
    "Only this channel's pools": "仅此渠道的拼单池",
    "A new policy version from this JSON or YAML file": "从此 JSON 或 YAML 文件生成新的策略版本",
    "Every version: who, when, why": "所有版本：谁、何时、为何修改",
    "Pools": "拼单池",
    "no pools": "没有拼单池",
    "pool": "拼单池",
    "pickup point": "自提点",
    "members": "成员",
    "closes at": "关闭时间",
    "close reason": "关闭原因",
    "--status: open or closed": "--status：open 或 closed",
    "--reason is required with --set": "使用 --set 时必须提供 --reason",
    "must be an integer": "必须是整数",
    "must be a number": "必须是数字",
    "must be true or false": "必须为 true 或 false",
    "must be an object": "必须是对象",
    "unknown field": "未知字段",
    "must be an object of channel code -> rule": "必须是“渠道代码 -> 规则”的对象",
    "a channel code of 1 to 64 characters": "渠道代码须为 1 到 64 个字符",
}

# Messages with a variable part (typer's errors, the services' common ones): a regular
# expression over the whole English message -> the Chinese, {0}, {1} ... its groups (each
# group is itself translated when the catalogue or these patterns know it).
PATTERNS: list[tuple[str, str]] = [
    (r"Invalid value for (.+?): (.+)", "{0} 的值无效：{1}"),
    (r"Invalid value: (.+)", "值无效：{0}"),
    (r"Input should be greater than or equal to (.+)", "应大于或等于 {0}"),
    (r"Input should be less than or equal to (.+)", "应小于或等于 {0}"),
    (r"Input should be greater than (.+)", "应大于 {0}"),
    (r"Input should be less than (.+)", "应小于 {0}"),
    (r"Input should be a valid integer.*", "应为有效的整数"),
    (r"Input should be a valid number.*", "应为有效的数字"),
    (r"Input should be a valid boolean.*", "应为有效的布尔值"),
    (r"Value (.+) is not a valid (.+)\.", "{0} 不是有效的 {1}。"),
    (r"(.+) is not one of (.+)\.", "{0} 不是 {1} 之一。"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", "没有该选项：{0}（可用选项：{1}）"),
    (r"No such option: (\S+)", "没有该选项：{0}"),
    (r"Missing argument (.+)\.", "缺少参数 {0}。"),
    (r"Missing option (.+)\.", "缺少选项 {0}。"),
    (r"Missing parameter: (.+)", "缺少参数：{0}"),
    (r"Got unexpected extra argument\(s\) \((.+)\)", "多余的参数（{0}）"),
    (r"Option (.+) requires an argument\.", "选项 {0} 需要一个参数。"),
    (r"Option (.+) requires (\d+) arguments\.", "选项 {0} 需要 {1} 个参数。"),
    (r"Option (.+) does not take a value\.", "选项 {0} 不接受值。"),
    (r"no (master|audit) key: set (\S+) or create (\S+) with `orderhub keys init` \(the "
     r"README's \./run\.sh does\)",
     "缺少{0}密钥：请设置 {1}，或用 `orderhub keys init` 创建 {2}（README 中的 ./run.sh 会执行）"),
    (r"(.+) is not base64", "{0} 不是 base64"),
    (r"order (\S+) not found", "订单 {0} 不存在"),
    (r"warehouse (\S+) not found", "仓库 {0} 不存在"),
    (r"SKU (\S+) not found", "SKU {0} 不存在"),
    (r"(map\S*|mapping\S*): '(.+)' is not HEADER=FIELD", "{0}：'{1}' 不是“列名=字段”的形式"),
    (r"(map\S*|mapping\S*): unknown field '(.+?)'; known: (.+)",
     "{0}：未知字段 '{1}'；可用字段：{2}"),
    (r"(map\S*|mapping\S*): field '(.+)' is already mapped from '(.+)'",
     "{0}：字段 '{1}' 已由列 '{2}' 映射"),
    (r"(map\S*|mapping\S*): header '(.+)' is mapped twice", "{0}：列名 '{1}' 映射了两次"),
    (r"(map\S*|mapping\S*): empty header for field '(.+)'", "{0}：字段 '{1}' 的列名为空"),
    (r"map: column mappings apply to CSV and XLSX files", "map：列映射仅适用于 CSV 和 XLSX 文件"),
    (r"channel '(\S+)' not found", "渠道 {0} 不存在"),
    (r"order_id: '(.+)' is the beginning of several order ids \((.+)\): give more characters",
     "order_id：有多个订单号以 '{0}' 开头（{1}）：请多输入几个字符"),
    (r"channel '(\S+)' stays in shadow: (.+)", "渠道 '{0}' 仍为影子模式：{1}"),
    (r"consistency rate (\S+) is below (\S+)", "一致率 {0} 低于 {1}"),
    (r"(\d+) orders compared, fewer than (\d+)", "仅对比了 {0} 个订单，少于 {1}"),
    (r"(.+); (consistency rate .+|\d+ orders compared, .+)", "{0}；{1}"),
    (r"channel '(\S+)' is already in shadow mode", "渠道 '{0}' 已处于影子模式"),
    (r"channel '(\S+)' is not in shadow mode; nothing to promote",
     "渠道 '{0}' 不在影子模式，无需转为正式"),
    (r"channel '(\S+)' not found", "渠道 '{0}' 不存在"),
    (r"row (\d+)\.(\w+): (.+)", "第 {0} 行 {1}：{2}"),
    (r"line (\d+): (\w+): (.+)", "第 {0} 行，字段 {1}：{2}"),
    (r"line (\d+): (.+)", "第 {0} 行：{1}"),
    (r"'(.*)' is not a positive number \(base units per unit\)",
     "'{0}' 不是正数（每单位该货币折合的本位币金额）"),
    (r"'(.*)' is not an ISO 4217 currency code", "'{0}' 不是 ISO 4217 货币代码"),
    (r"'(.*)' is not a date \(YYYY-MM-DD\)", "'{0}' 不是日期（YYYY-MM-DD）"),
    (r"--date: '(.*)' is not a date \(YYYY-MM-DD\)", "--date：'{0}' 不是日期（YYYY-MM-DD）"),
    (r"(\S+) is the base currency; its rate is always 1", "{0} 是本位币，其汇率恒为 1"),
    (r"(\S+) on (\S+) is already on line (\d+)", "{0} 在 {1} 的汇率已在第 {2} 行出现"),
    (r"the header lacks (.+) \(expected (.+)\)", "表头缺少 {0}（应为 {1}）"),
    (r"unknown column\(s\) (.+) \(expected (.+)\)", "未知列 {0}（应为 {1}）"),
    (r"more fields than the header names", "字段数多于表头"),
    (r"at most (\d+) decimals", "最多 {0} 位小数"),
    (r"at most (\d+) characters", "最多 {0} 个字符"),
    (r"no (\S+) rate effective (\S+)", "没有 {1} 生效的 {0} 汇率"),
    (r"cannot read (.+?): (.+)", "无法读取 {0}：{1}"),
    (r"(\d+) added, (\d+) changed, (\d+) unchanged", "新增 {0} 条，变更 {1} 条，未变 {2} 条"),
    (r"base (\S+), stale after (\d+) days", "本位币 {0}，汇率超过 {1} 天即过期不用"),
    (r"(\d+) held orders validated again", "{0} 个挂起订单已重新校验"),
    (r"the stored rates are in (\S+); remove them \(orderhub fx remove\) before making (\S+) the base",
     "已存汇率以 {0} 计价；请先删除（orderhub fx remove），再将 {1} 设为本位币"),
    (r"(base_currency|max_age_days): (.+)", "{0}：{1}"),
    (r"must be a whole number 0\.\.(\d+)", "应为 0..{0} 的整数"),
    (r"tenant '(.+)' not found", "租户 '{0}' 不存在"),
    # shipping documents (cli/label.py)
    (r"no shipment or order (\S+)", "没有包裹或订单 {0}"),
    (r"(\S+): no waybill booked yet \(labels print once the order is released to its warehouse\)",
     "{0}：尚未预约电子面单（订单下发到仓库后才能打印面单）"),
    (r"no released shipments at (\S+) to print since (\S+)", "{0} 在 {1} 之后没有已下发待打印的包裹"),
    (r"no released shipments at (\S+) to print", "{0} 没有已下发待打印的包裹"),
    (r"(\S+): nothing to print \(no shipments\)", "{0}：没有可打印的内容（无包裹）"),
    (r"cannot write (.+?): (.+)", "无法写入 {0}：{1}"),
    (r"period (\S+) of (\S+) is closed; import refused", "{1} 的 {0} 期间已关账，拒绝导入"),
    (r"period (\S+) of (\S+) is closed; a new run refused", "{1} 的 {0} 期间已关账，拒绝重新对账"),
    (r"period (\S+) of (\S+) is already closed", "{1} 的 {0} 期间已关账"),
    (r"period (\S+) of (\S+) is not reconciled yet; run reconciliation first",
     "{1} 的 {0} 期间尚未对账，请先对账"),
    (r"this file was already imported for (\S+) (\S+) \((\S+), (.+)\)",
     "该文件已导入过 {0} {1}（{2}，{3}）"),
    (r"(.+) was imported for (\S+) (\S+) after the latest run; run reconciliation again first",
     "{0} 在最近一次对账之后导入 {1} {2}，请先重新对账"),
    (r"every scope of (\S+) is already closed", "{0} 的所有范围均已关账"),
    (r"row (\d+)\.([^:\s]+): (.+)", "第 {0} 行 {1}：{2}"),
    (r"nothing imported for (\S+) in (\S+)", "{0} 在 {1} 没有任何导入"),
    (r"nothing imported for (\S+)", "{0} 没有任何导入"),
    (r"unknown source '(.+)'; one of (.+)", "未知来源 '{0}'；可选 {1}"),
    (r"missing: this source's files have the column (.+)", "缺少列：该来源的文件应有列 {0}"),
    (r"unknown column for this source", "该来源没有此列"),
    (r"'(.*)' is not an amount", "'{0}' 不是金额"),
    (r"'(.*)' is not a known ISO 4217 currency code", "'{0}' 不是已知的 ISO 4217 货币代码"),
    (r"order (\S+) is at version (\d+), not (\d+): it changed meanwhile; read it again and "
     r"edit from the current version",
     "订单 {0} 当前版本为 {1}，而非 {2}：已被他人修改；请重新读取并基于当前版本修改"),
    (r"order (\S+) is (\w+) and can no longer be edited: (.+)", "订单 {0} 状态为 {1}，已不能修改：{2}"),
    (r"say why the order is edited \(audited\)", "请说明修改订单的原因（记入审计）"),
    (r"pre-allocation plan (\S+) not found", "预分配计划 {0} 不存在"),
    (r"transfer (\S+) not found", "调拨单 {0} 不存在"),
    (r"no demand forecasts yet: run `orderhub forecast fit` \(POST /v1/forecasts/fit\) first",
     "尚无需求预测：请先运行 `orderhub forecast fit`（POST /v1/forecasts/fit）"),
    (r"(forecasts|skus|sites|horizon|only|quantities): (.+)", "{0}：{1}"),
    (r"unknown SKU '(.+)'", "未知 SKU '{0}'"),
    (r"--start: '(.*)' is not a date \(YYYY-MM-DD\)", "--start：'{0}' 不是日期（YYYY-MM-DD）"),
    (r"unknown or closed site '(.+)'", "未知或已关闭的站点 '{0}'"),
    (r"transfer (\S+) is (\S+); it cannot become (\S+) \(allowed: (.+)\)",
     "调拨单 {0} 当前为 {1}，不能变为 {2}（允许：{3}）"),
    (r"unknown placeholder\(s\) (.+); known: (.+)", "未知占位符 {0}；可用：{1}"),
    (r"template syntax error on line (\d+): (.+)", "模板语法错误（第 {0} 行）：{1}"),
    (r"(subject|body|event|channel|language|medium|quiet_hours|timezone|media|customer|email|phone): (.+)", "{0}：{1}"),
    (r"template saved: (.+)", "模板已保存：{0}"),
    (r"template removed: (.+)", "模板已删除：{0}"),
    (r"opted out: (.+) \((.+)\); (\d+) pending messages suppressed", "已退订：{0}（{1}）；{2} 条待发消息已抑制"),
    (r"notifications (on|off); media (.+); quiet hours (.+) \((.+)\); language (.+)",
     "通知 {0}；发送方式 {1}；免打扰 {2}（{3}）；语言 {4}"),
    (r"no template of the tenant for (.+)", "租户没有此模板：{0}"),
    (r"no opt-out of (.+) for (.+)", "{0} 没有退订 {1}"),
    (r"unknown time zone '(.+)' \(an IANA name such as Asia/Shanghai\)", "未知时区 '{0}'（应为 IANA 名称，如 Asia/Shanghai）"),
    (r"HH:MM-HH:MM \(for example 22:00-08:00\), or off", "应为 HH:MM-HH:MM（例如 22:00-08:00），或 off"),
    (r"give one of customer, email, phone", "请给出 customer、email、phone 之一"),
    (r"no compliance pack for country '(.*)'; packs: (.+)", "没有国家 '{0}' 的合规规则包；现有：{1}"),
    (r"the (\w+) pack is not enabled", "{0} 规则包未启用"),
    (r"compliance pack (\w+) (\S+) (enabled|upgraded|disabled)", "合规规则包 {0} {1} 已{2}"),
    (r"rule set v(\d+) activated \(shortcut: no sandbox, no canary\)",
     "规则集 v{0} 已生效（快捷方式：未经沙盒与灰度）"),
    (r"rule set v(\d+) drafted \(id (\d+)\): run `orderhub rules simulate (\d+)`, then canary "
     r"and activate it", "规则集 v{0} 已起草（id {1}）：请运行 `orderhub rules simulate {2}`，再灰度并生效"),
    (r"override of (\S+) kept", "已保存对 {0} 的覆盖"),
    (r"upgrade (\S+) -> (\S+): (.+)", "升级 {0} -> {1}：{2}"),
    (r"--param: '(.*)' is not name=value", "--param：'{0}' 不是 参数名=值"),
    (r"(rule|params|params\.\w+|enabled): (.+)", "{0}：{1}"),
    (r"chat channel added: (\S+) \((\w+)\)", "聊天渠道已添加：{0}（{1}）"),
    (r"callback URL: (\S+)", "回调地址：{0}"),
    (r"chat channel (\S+) enabled", "聊天渠道 {0} 已启用"),
    (r"chat channel (\S+) disabled", "聊天渠道 {0} 已停用"),
    (r"mapped (\w+) user (\S+) to (\S+)", "已将 {0} 用户 {1} 绑定到 {2}"),
    (r"unmapped (\w+) user (\S+)", "已解除 {0} 用户 {1} 的绑定"),
    (r"(\w+) user (\S+) is not mapped", "{0} 用户 {1} 未绑定"),
    (r"no chat channel (\S+)", "聊天渠道 {0} 不存在"),
    (r"a chat channel named '(.+)' exists", "已存在名为 '{0}' 的聊天渠道"),
    (r"login: no hub user '(.+)' in this tenant", "login：本租户没有用户 '{0}'"),
    (r"login: hub user '(.+)' is disabled", "login：用户 '{0}' 已停用"),
    (r"app: unknown chat app '(.*)'; one of (.+)", "app：未知聊天应用 '{0}'；应为 {1} 之一"),
    (r"webhook_url: the app's webhook, an https:// URL", "webhook_url：应用的 Webhook，须为 https:// 地址"),
    (r"name: a name of 1 to 100 characters", "name：名称须为 1 至 100 个字符"),
    (r"subjects: one or more of (.+?); unknown: (.+)", "subjects：须为 {0} 中的一个或多个；未知：{1}"),
    (r"subjects: one or more of (.+)", "subjects：须为 {0} 中的一个或多个"),
    (r"callback_secret: the secret the app signs its callbacks with .+",
     "callback_secret：应用为回调签名所用的密钥（钉钉 AppSecret、Slack Signing Secret、企业微信 Token）"),
    (r"aes_key: WeCom's EncodingAESKey: 43 characters", "aes_key：企业微信 EncodingAESKey，须为 43 个字符"),
    (r"receive_id: WeCom's corp id \(CorpID\)", "receive_id：企业微信的企业 ID（CorpID）"),
    (r"chat_user_id: the app's user id: 1 to 128 letters, digits or (.+)",
     "chat_user_id：应用中的用户 ID，须为 1 至 128 个字母、数字或 {0}"),
    (r"(name|subjects|callback_secret|aes_key|receive_id|chat_user_id): (.+)", "{0}：{1}"),
    (r"pool (\S+) closed: (\d+) of (\d+) orders routed in (\d+) deliveries",
     "拼单池 {0} 已关闭：{2} 单中 {1} 单已路由，共 {3} 次配送"),
    (r"pooling policy version (\d+) in force", "拼单策略第 {0} 版已生效"),
    (r"pool (\S+) not found", "未找到拼单池 {0}"),
    (r"pool (\S+) is already closed \((.+)\)", "拼单池 {0} 已关闭（{1}）"),
    (r"pooling policy version (\d+) not found", "未找到拼单策略第 {0} 版"),
    (r"((?:channels|document|extra)[\w.:-]*): (.+)", "{0}：{1}"),
    (r"must be between (\S+) and (\S+)", "必须在 {0} 到 {1} 之间"),
]

# 3PL bidding (issue 18 item 4): `orderhub bid` and what `order why` adds.
for _en, _zh in {
    "3PL bidding: providers, the policy, offers, the demo.": "第三方物流竞价：服务商、竞价策略、报价、演示。",
    "Recent offers, their bids and decisions.": "最近的竞价邀请、报价与定标结果。",
    "open, awarded or fallback": "open（进行中）、awarded（已定标）或 fallback（回退路由）",
    "Run the bid-auctions job once: send new offers' requests, decide due offers.":
        "运行一次竞价任务：发送新邀请的报价请求，对到期的竞价定标。",
    "The demo: simulated providers (latency, prices, one late, one malformed, one\n"
    "silent) bid on generated orders the policy selects (tmall by default).":
        "演示：模拟服务商（含延迟、价格，一家迟到、一家格式错误、一家不报价）对策略选中的生成订单报价（默认天猫订单）。",
    "Orders to submit": "提交的订单数",
    "Random seed": "随机种子",
    "Providers that may bid, with their signing secrets.": "可参与竞价的服务商及其签名密钥。",
    "Add or update a provider; a new one gets a signing secret, shown only now.":
        "新增或更新服务商；新服务商获得签名密钥，仅此时显示一次。",
    "The provider's code": "服务商编码",
    "Its name": "名称",
    "warehouse or 3pl": "warehouse（仓库）或 3pl（第三方物流）",
    "A reserved site it fulfils from (repeat; none: any)": "可履约的预留仓（可重复；不填：任意仓）",
    "https:// URL bid requests are sent to": "接收报价请求的 https:// 地址",
    "The providers (never their secrets).": "服务商列表（不显示密钥）。",
    "A new signing secret for the provider (shown once); the old one stops at once.":
        "为服务商生成新的签名密钥（仅显示一次）；旧密钥立即失效。",
    "Which orders are offered, the window, cost against promise.": "哪些订单参与竞价、竞价窗口、成本与时效的权衡。",
    "Set the bidding policy (a new version).": "设置竞价策略（生成新版本）。",
    "The policy as JSON, or @file.json: {when, window_seconds, cost_weight, enabled}":
        "JSON 格式的策略，或 @文件.json：{when, window_seconds, cost_weight, enabled}",
    "The bidding policy as JSON (null: no order is offered).": "以 JSON 显示竞价策略（null：不对任何订单竞价）。",
    "provider {code} saved": "服务商 {code} 已保存",
    "signing secret (shown once): {secret}": "签名密钥（仅显示一次）：{secret}",
    "not a JSON policy: {problem}": "不是 JSON 格式的策略：{problem}",
    "bidding policy v{version}: window {window} s, cost weight {weight}":
        "竞价策略 v{version}：窗口 {window} 秒，成本权重 {weight}",
    "requests sent for {sent} offers; {awarded} awarded, {fallback} fell back":
        "已为 {sent} 个竞价发送请求；{awarded} 个已定标，{fallback} 个回退路由",
    "{orders} orders, {offered} offered: {awarded} awarded, {fallback} fell back, {open} "
    "open ({seconds} s)": "{orders} 个订单，{offered} 个参与竞价：{awarded} 个已定标，"
                          "{fallback} 个回退路由，{open} 个进行中（{seconds} 秒）",
    "offer": "竞价", "order": "订单", "site": "仓", "winner": "中标方", "price": "价格",
    "bids": "报价", "endpoint": "地址", "active": "启用", "kind": "类型", "sites": "仓",
    "code": "编码", "name": "名称", "status": "状态", "open": "进行中", "awarded": "已定标",
    "fallback": "回退路由", "accepted": "有效", "late": "迟到", "malformed": "格式错误",
}.items():
    CATALOG.setdefault(_en, _zh)
PATTERNS += [
    (r"no bidding provider '(.+)'", "没有竞价服务商 '{0}'"),
    (r"no offer '(.+)'", "没有竞价 '{0}'"),
    (r"order (\S+) is awaiting its bid award \(the offer closes at (.+) UTC\)",
     "订单 {0} 正在等待竞价定标（截止 {1} UTC）"),
    (r"(code|name|kind|sites|endpoint|active|when|when\.\w+|window_seconds|cost_weight|enabled|secret): (.+)", "{0}：{1}"),
    (r"no column for this field \(headers: (.+), …; or --map HEADER=(\w+)\); columns not "
     r"understood: (.+)", "文件中没有该字段的列（表头：{0}，…；或 --map 表头={1}）；未能识别的列：{2}"),
    (r"'(.*)' is not a currency \(an ISO 4217 code such as CNY or USD, or a name such as "
     r"人民币, 美元, 新台币, US\$\)", "'{0}' 不是货币（应为 ISO 4217 代码如 CNY、USD，或名称如 人民币、美元、新台币、US$）"),
]
