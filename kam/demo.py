"""Demo data: a believable key-account book to try the dashboard on.

One call fills an empty store with every table: a few hundred industrial-supply
customers whose revenue follows the 80/20 rule, three years of orders with the
Spring Festival dip and the year-end peak, invoices and collections (mostly within
terms, a few problem accounts), contacts with birthdays coming up, visit histories
at each account's own pace (steady coverage that dips after Spring Festival, a few
visits slipping), revisit plans (done, some late, due, missed, cancelled),
complaints that come and go, lost customers and changes to the account files.
Every process runs at the same pace through the history, so the last twelve
months compare fairly with the twelve before, whatever day is today.

The same seed and the same `today` always give the same data. Sales lines are
generated with numpy, never one Python object per line, and written in chunks,
so ten million lines fit in a few minutes and bounded memory.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kam.risk.churn import DEFAULT_REASONS
from kam.risk.complaints import DEFAULT_CATEGORIES
from kam.store.schema import (COMPLAINT_SEVERITIES, DEAL_STAGES, PLAN_STATUSES, SIZES, TIERS, VISIT_METHODS,
                        VISIT_OCCASIONS)
from kam.store.delta import Store, new_batch_id

HISTORY_YEARS = 3
SALES_LINES_PER_CUSTOMER_YEAR = 60
CHUNK_ROWS = 1_000_000

MANAGERS = ("张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊")

# city, region, share of customers: the east and south coasts carry most industry
CITIES = (
    ("上海", "华东", 9), ("苏州", "华东", 6), ("杭州", "华东", 5), ("南京", "华东", 4), ("宁波", "华东", 4),
    ("无锡", "华东", 3), ("青岛", "华东", 3), ("合肥", "华东", 2), ("济南", "华东", 2), ("厦门", "华东", 2),
    ("福州", "华东", 1.5), ("深圳", "华南", 7), ("广州", "华南", 6), ("东莞", "华南", 4), ("佛山", "华南", 4),
    ("北京", "华北", 5), ("天津", "华北", 3), ("石家庄", "华北", 1), ("太原", "华北", 1),
    ("武汉", "华中", 4), ("长沙", "华中", 3), ("郑州", "华中", 3), ("南昌", "华中", 1),
    ("成都", "西南", 4), ("重庆", "西南", 3), ("昆明", "西南", 1), ("贵阳", "西南", 1),
    ("西安", "西北", 3), ("兰州", "西北", 1), ("银川", "西北", 0.5), ("乌鲁木齐", "西北", 0.5),
    ("沈阳", "东北", 2), ("大连", "东北", 2), ("长春", "东北", 1), ("哈尔滨", "东北", 1),
)

# the characters company names are made of, with the pinyin their web domains use
NAME_CHARS = {
    "华": "hua", "信": "xin", "恒": "heng", "达": "da", "瑞": "rui", "丰": "feng", "鑫": "xin", "源": "yuan",
    "泰": "tai", "盛": "sheng", "隆": "long", "昌": "chang", "宏": "hong", "远": "yuan", "新": "xin",
    "星": "xing", "海": "hai", "天": "tian", "中": "zhong", "金": "jin", "安": "an", "康": "kang", "宇": "yu",
    "博": "bo", "创": "chuang", "通": "tong", "德": "de", "嘉": "jia", "美": "mei", "和": "he", "汇": "hui",
    "联": "lian", "立": "li", "明": "ming", "正": "zheng", "永": "yong", "兴": "xing", "佳": "jia", "润": "run",
    "诚": "cheng", "凯": "kai", "晟": "sheng", "弘": "hong", "益": "yi", "腾": "teng", "卓": "zhuo", "越": "yue",
    "锦": "jin",
}

# unit prices are per piece unless noted: steel and aluminium per tonne, oil per
# drum, installation per engineer-day. `line` is what a typical order line is worth
# for an average customer; `margin` is the product's usual gross margin.
@dataclass(frozen=True)
class Product:
    name: str
    low: float
    high: float
    line: float
    decimals: int
    margin: float
    share: float


PRODUCTS = (
    Product("工业传感器", 280, 1_200, 12_000, 0, 0.36, 10),
    Product("PLC控制器", 2_200, 8_500, 20_000, 0, 0.30, 8),
    Product("伺服电机", 1_600, 6_500, 20_000, 0, 0.26, 9),
    Product("变频器", 1_200, 5_200, 15_000, 0, 0.22, 8),
    Product("减速机", 900, 4_200, 14_000, 0, 0.20, 7),
    Product("工业机器人", 85_000, 260_000, 150_000, 0, 0.28, 1),
    Product("数控刀具", 45, 420, 6_000, 0, 0.40, 9),
    Product("液压泵", 3_200, 12_500, 18_000, 0, 0.18, 5),
    Product("气动元件", 35, 320, 6_000, 0, 0.32, 9),
    Product("不锈钢板材", 13_500, 19_000, 40_000, 1, 0.10, 5),
    Product("铝型材", 17_500, 23_500, 38_000, 1, 0.12, 5),
    Product("工业润滑油", 650, 1_600, 8_000, 0, 0.15, 7),
    Product("包装材料", 6, 28, 7_000, 0, 0.14, 8),
    Product("工控软件授权", 6_000, 32_000, 28_000, 0, 0.40, 3),
    Product("安装调试服务", 1_500, 4_000, 10_000, 0, 0.38, 4.5),
)
PRODUCT_INDEX = {p.name: i for i, p in enumerate(PRODUCTS)}


@dataclass(frozen=True)
class Industry:
    name: str
    share: float
    suffixes: tuple[str, ...]
    staple: tuple[str, ...]  # what such a customer mostly buys from us


INDUSTRIES = (
    Industry("制造业", 22, ("机械制造有限公司", "精密制造有限公司", "实业有限公司", "重工股份有限公司"),
             ("数控刀具", "伺服电机", "减速机", "液压泵", "不锈钢板材")),
    Industry("电子", 14, ("电子科技有限公司", "微电子有限公司", "光电科技有限公司", "智能科技有限公司"),
             ("PLC控制器", "工业传感器", "气动元件", "工控软件授权")),
    Industry("汽车零部件", 12, ("汽车零部件有限公司", "汽配制造有限公司", "动力科技有限公司", "精工有限公司"),
             ("伺服电机", "数控刀具", "铝型材", "减速机")),
    Industry("食品饮料", 10, ("食品有限公司", "饮料有限公司", "食品科技有限公司", "乳业有限公司"),
             ("包装材料", "变频器", "气动元件", "工业润滑油")),
    Industry("医药", 10, ("医药有限公司", "生物科技有限公司", "药业股份有限公司", "医疗器械有限公司"),
             ("包装材料", "工业传感器", "工控软件授权", "气动元件")),
    Industry("建材", 9, ("建材有限公司", "新材料科技有限公司", "建筑材料有限公司", "水泥有限公司"),
             ("不锈钢板材", "铝型材", "液压泵", "工业润滑油")),
    Industry("化工", 8, ("化工有限公司", "新材料有限公司", "精细化工有限公司", "化学品有限公司"),
             ("液压泵", "变频器", "工业传感器", "工业润滑油")),
    Industry("物流", 8, ("物流有限公司", "供应链管理有限公司", "国际货运代理有限公司", "仓储有限公司"),
             ("包装材料", "工业传感器", "工控软件授权", "减速机")),
    Industry("零售", 7, ("商贸有限公司", "百货有限公司", "连锁超市有限公司", "贸易有限公司"),
             ("包装材料", "安装调试服务", "工控软件授权")),
)

SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang",
    "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu",
    "郭": "guo", "何": "he", "林": "lin", "高": "gao", "罗": "luo", "郑": "zheng", "梁": "liang",
    "谢": "xie", "宋": "song", "唐": "tang", "韩": "han", "冯": "feng", "邓": "deng", "曹": "cao", "彭": "peng",
}
GIVEN_CHARS = {
    "伟": "wei", "芳": "fang", "娜": "na", "敏": "min", "静": "jing", "丽": "li", "强": "qiang", "磊": "lei",
    "军": "jun", "洋": "yang", "勇": "yong", "艳": "yan", "杰": "jie", "涛": "tao", "明": "ming", "超": "chao",
    "秀": "xiu", "霞": "xia", "平": "ping", "刚": "gang", "英": "ying", "华": "hua", "玲": "ling", "建": "jian",
    "国": "guo", "志": "zhi", "文": "wen", "斌": "bin", "鹏": "peng", "宇": "yu", "浩": "hao", "婷": "ting",
    "雪": "xue", "琳": "lin", "晨": "chen", "欣": "xin", "海": "hai", "峰": "feng", "辉": "hui", "红": "hong",
    "凯": "kai", "颖": "ying", "倩": "qian", "丹": "dan", "亮": "liang", "晓": "xiao", "春": "chun", "俊": "jun",
}
MOBILE_PREFIXES = ("138", "139", "136", "137", "135", "150", "151", "158", "186", "188", "189", "133",
                   "177", "180", "159", "187")
INTERESTS = ("高尔夫", "茶艺", "钓鱼", "书法", "摄影", "登山", "篮球", "羽毛球", "红酒", "阅读", "旅游",
             "围棋", "跑步", "美食", "乒乓球", "收藏")
CONTACT_ROLES = ("buyer", "decision_maker", "handler", "user")  # in the order we get to know them
TITLES = {
    "buyer": ("采购经理", "采购主管", "采购专员", "供应链经理"),
    "decision_maker": ("总经理", "副总经理", "厂长", "董事长", "运营总监"),
    "handler": ("仓储主管", "财务主管", "生产计划员", "质量主管"),
    "user": ("设备工程师", "车间主任", "技术员", "工艺工程师"),
}

# Spring Festival (春节) dates: orders all but stop in the week before and the
# ten days after, and the day moves every year.
SPRING_FESTIVAL = {
    2015: "02-19", 2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25",
    2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29", 2026: "02-17",
    2027: "02-06", 2028: "01-26", 2029: "02-13", 2030: "02-03", 2031: "01-23", 2032: "02-11",
    2033: "01-31", 2034: "02-19", 2035: "02-08", 2036: "01-28", 2037: "02-15", 2038: "02-04",
    2039: "01-24", 2040: "02-12",
}
# January stocks up before the holiday, Q4 closes the year's budgets
MONTH_FACTOR = np.array([1.00, 0.80, 1.00, 1.00, 1.05, 1.05, 0.95, 0.95, 1.05, 0.95, 1.20, 1.35])
WEEKEND_FACTOR = 0.25
YEARLY_GROWTH = 1.08

PAYER_KINDS = ("punctual", "slow", "troubled")
PAYER_SHARES = (0.70, 0.26, 0.04)  # a few problem accounts
PARTIAL_PAYMENT = np.array([0.03, 0.08, 0.20])

# Each account's own pace in days, by the ABC class it is expected to have (A, B, C) and for
# prospects, a little inside the default revisit policy; a visit comes after 0.65 to 1.15 paces,
# and a few slip further.
VISIT_PACE_DAYS = ((22, 34), (55, 95), (90, 170), (40, 70))
VISIT_GAP = (0.65, 1.15)
SLIPPED_SHARE = 0.08
VISIT_METHOD_SHARES = {  # VISIT_METHODS order: phone, email, in_person, video, other
    "important": (0.30, 0.08, 0.45, 0.12, 0.05),
    "ordinary": (0.45, 0.15, 0.22, 0.13, 0.05),
    "potential": (0.35, 0.10, 0.40, 0.10, 0.05),
}
DISCUSSED = {
    "periodic": ("例行拜访，了解近期生产计划和采购需求", "沟通下季度采购计划，客户关注交期和价格",
                 "介绍新产品线，客户对节能型号有兴趣", "回顾上月供货情况，客户反馈整体满意",
                 "讨论年度框架协议续签事宜", "了解客户产线扩建进度，预计新增设备需求",
                 "客户提出希望缩短交货周期，答应内部协调"),
    "after_transaction": ("确认订单到货及安装情况", "收集本批产品使用反馈", "跟进发票与回款安排",
                          "交易后回访，客户对交付速度满意", "回访新设备试运行情况，客户提出培训需求"),
    "holiday": ("节前走访，送上节日问候并沟通明年合作计划", "节日拜访，邀请客户参加年度答谢会",
                "节日问候，顺便了解客户节后开工安排"),
    "other": ("陪同技术工程师到现场解决调试问题", "邀请客户参观公司新仓库", "参加客户供应商大会",
              "与客户财务核对往来账"),
    "prospect": ("初次拜访，介绍公司及主要产品", "了解客户采购流程和决策人", "提交产品方案及报价",
                 "安排样品试用，约定评估时间", "商务洽谈，讨论价格和账期"),
    "retention": ("客户已停止采购，拜访了解流失原因并提出挽留方案",),
}
DEAL_PROGRESS = {
    "none": "维持正常供货", "lead": "已建立联系，待进一步了解需求", "needs": "需求已明确，准备方案",
    "proposal": "已提交方案，等待客户技术评审", "negotiation": "价格谈判中，客户要求再降3%",
    "won": "已签订单", "lost": "客户选择了其他供应商",
}
CUSTOMER_DEAL_STAGES = (("none", 0.5), ("won", 0.2), ("negotiation", 0.1), ("proposal", 0.1),
                        ("needs", 0.07), ("lost", 0.03))
PROSPECT_STAGES = ("lead", "needs", "proposal", "negotiation")
NEXT_VISIT_PURPOSES = ("季度例行回访", "跟进报价", "确认新订单需求", "年度合同续签", "节前拜访", "技术交流")
PLAN_PURPOSES = {"periodic": "定期回访", "after_transaction": "交易后回访", "holiday": "节日问候",
                 "complaint_followup": "抱怨处理回访", "other": "需求挖掘"}
PLAN_CONTENTS = ("了解满意度及改进建议", "沟通下季度采购计划", "确认交付及使用情况", "介绍新产品",
                 "收集转介绍线索", "核对应收账款")
LATE_PLAN_SHARE = 0.10
CANCEL_REASONS = ("客户临时出差", "客户要求改期", "客户经理时间冲突", "客户工厂停产检修", "航班取消")

# Categories and sub-categories are the app's editable list (kam.complaints), so a
# demo complaint can be edited and saved again like any other.
COMPLAINT_CATEGORIES = tuple(DEFAULT_CATEGORIES)
COMPLAINT_CATEGORY_SHARES = {"product": 0.40, "service": 0.25, "delivery": 0.20, "billing": 0.10, "other": 0.05}
COMPLAINT_TOPIC_ZH = {
    "quality_defect": "质量缺陷", "spec_mismatch": "规格不符", "out_of_tolerance": "技术规格超出允许范围",
    "product_failure": "产品故障", "not_punctual": "不守时", "poor_attitude": "服务态度差",
    "insufficient_skill": "服务能力不够", "late_delivery": "交货延迟", "damaged_packaging": "包装破损",
    "wrong_shipment": "错发漏发", "invoice_error": "发票错误", "price_dispute": "价格争议",
    "statement_mismatch": "对账差异", "product": "产品", "service": "服务", "delivery": "交货",
    "billing": "账务", "other": "其他",
}
COMPLAINT_SEVERITY_SHARES = (0.30, 0.42, 0.22, 0.06)
COMPLAINT_DAYS_TO_RESOLVE = {"low": (1, 7), "medium": (3, 15), "high": (5, 25), "critical": (7, 40)}
COMPLAINTS_PER_CUSTOMER_YEAR = 0.2
SLOW_COMPLAINT_SHARE = 0.08  # stuck for three to five times as long
COMPLAINT_CHANNELS = ("电话", "邮件", "客户经理转达", "微信", "上门反馈")
COMPLAINT_STORIES = {  # by sub-category, or by category where it has none: (description, cause)
    "quality_defect": (("{product}一批货出现外观和装配缺陷（质量缺陷），客户要求退换", "来料批次不良，出厂检验漏检"),),
    "spec_mismatch": (("到货{product}型号规格与订单不一致（规格不符）", "订单规格录入错误"),),
    "out_of_tolerance": (("{product}实测参数超出技术协议允许范围", "生产工艺参数漂移，公差超标"),),
    "product_failure": (("{product}使用不到三个月出现故障，影响产线运行", "元器件早期失效"),),
    "not_punctual": (("服务工程师未按约定时间到场（不守时）", "工程师排班冲突，迟到约两小时"),),
    "poor_attitude": (("客户反映客服人员服务态度差，推诿责任", "客服人员沟通方式不当"),),
    "insufficient_skill": (("现场工程师未能解决{product}调试问题", "工程师对新型号不熟悉，服务能力不够"),),
    "late_delivery": (("{product}比约定交期晚到一周", "物流承运商运力不足"),),
    "damaged_packaging": (("{product}到货时外包装破损", "运输途中包装受损"),),
    "wrong_shipment": (("{product}到货数量短少、型号发错", "仓库拣货出错"),),
    "invoice_error": (("发票抬头和税号有误", "开票信息未及时更新"),),
    "price_dispute": (("{product}结算价格与合同不一致", "合同价格与订单价格不一致"),),
    "statement_mismatch": (("月度对账单金额与客户账面不符", "退货未及时冲账"),),
    "delivery": (("{product}比约定交期晚到一周", "物流承运商运力不足"),
                 ("{product}到货时外包装破损", "运输途中包装受损")),
    "billing": (("发票抬头和税号有误", "开票信息未及时更新"),
                ("月度对账单金额与客户账面不符", "退货未及时冲账")),
    "other": (("客户反映沟通渠道不畅", "对接人员变动，交接不充分"),),
}
UNKNOWN_STORY = (("客户反映{product}相关问题", "原因调查中"),)
COMPLAINT_RESOLUTIONS = {
    "product": "退换货并加严出厂检验，派工程师现场确认",
    "service": "更换服务工程师，负责人上门致歉并加强培训",
    "delivery": "补发货物并承担运费，更换承运商",
    "billing": "重开发票并更正对账单",
    "other": "指定专人对接，定期沟通",
}

BUYING_POWER_SIGMA = 1.5
CHURN_SHARE = 0.08
CHURN_REASONS = tuple(DEFAULT_REASONS)  # the app's editable list (kam.churn)
CHURN_REASON_SHARES = {"product_quality": 0.15, "service_level": 0.15, "price": 0.25, "competitor": 0.25,
                       "business_changed": 0.10, "contact_left": 0.05, "other": 0.05}
CHURN_NOTES = {
    "product_quality": "多次出现质量问题，客户转向其他供应商",
    "service_level": "交付不及时、响应慢，客户不满意",
    "price": "竞争对手报价低约8%，客户转单",
    "competitor": "竞争对手提供更长账期和驻厂服务",
    "business_changed": "客户业务调整，相关产线停产",
    "contact_left": "原采购负责人离职，新负责人更换了供应商",
    "other": "客户被收购，改由集团统一采购",
}
CHURN_REASON_ZH = {"product_quality": "产品质量", "service_level": "服务不到位", "price": "价格",
                   "competitor": "竞争对手", "business_changed": "客户业务变化", "contact_left": "联系人离职",
                   "other": "其他"}
# a churn after a bad experience leaves a complaint behind it
CHURN_COMPLAINT_CATEGORY = {"product_quality": "product", "service_level": "service"}

CHANGED_FIELD_SHARES = {"credit_limit": 0.35, "tier": 0.25, "payment_terms_days": 0.20, "account_manager": 0.20}
PROFILE_CHANGE_SHARE = 0.12

TABLE_ORDER = ("customers", "contacts", "sales", "payments", "visits", "revisit_plans", "complaints", "churns",
               "profile_changes")
# the order the stages run in (customers are written once their sales give the credit limits),
# and each one's rough share of the time
STAGE_WORK = {"sales": 0.60, "customers": 0.02, "payments": 0.12, "contacts": 0.04, "complaints": 0.02,
              "visits": 0.14, "revisit_plans": 0.02, "churns": 0.02, "profile_changes": 0.02}


def generate(store: Store, *, customers: int = 300, sales_lines: int | None = None, seed: int = 7,
             today: dt.date | None = None, user: str = "demo", progress=None) -> dict[str, int]:
    """Fill an empty store with a demo customer book; returns rows written per table.

    `progress(stage, fraction)` is told the stage being written and how much of the
    whole job is done (0 to 1).
    """
    if not store.is_empty():
        raise ValueError(f"the store at {store.root} already holds data; demo data goes only into an empty store")
    if customers < 1:
        raise ValueError("customers must be at least 1")
    today = today or dt.date.today()
    if sales_lines is None:
        sales_lines = customers * SALES_LINES_PER_CUSTOMER_YEAR * HISTORY_YEARS
    if sales_lines < 0:
        raise ValueError("sales_lines cannot be negative")

    rng = np.random.default_rng(seed)
    cal = Calendar(today)
    out = _Output(store, user, progress)

    out.stage("sales")
    book = plan_customer_book(rng, customers, cal)
    trade = write_sales(out, rng, book, cal, sales_lines)
    out.stage("customers")
    out.write("customers", customer_files(rng, book, cal, trade))
    out.stage("payments")
    write_payments(out, rng, book, cal, trade)
    out.stage("contacts")
    people = contact_book(rng, book, cal)
    out.write("contacts", people.frame)
    out.stage("complaints")
    complaints = complaint_cards(rng, book, cal)
    out.write("complaints", complaints.drop(columns=["_customer", "_day", "_topic"]))
    out.stage("visits")
    visits = visit_history(rng, book, cal, people, complaints)
    plans = revisit_plans(rng, book, cal, visits)  # fills the visits' plan_id
    out.write("visits", visits.frame)
    out.stage("revisit_plans")
    out.write("revisit_plans", plans)
    out.stage("churns")
    out.write("churns", churn_records(book, cal, trade))
    out.stage("profile_changes")
    out.write("profile_changes", profile_changes(rng, book, cal, trade))
    out.done()
    return out.written


# ---- the calendar -------------------------------------------------------------------

class Calendar:
    """The days of history, from three years ago up to and including today."""

    def __init__(self, today: dt.date):
        self.today = today
        self.start = _years_before(today, HISTORY_YEARS) + dt.timedelta(days=1)
        self.start64 = np.datetime64(self.start, "D")
        self.days = (today - self.start).days + 1
        self.dates = self.start64 + np.arange(self.days)
        months = self.dates.astype("datetime64[M]")
        self.month_of_day = (months - months[0]).astype(np.int64)
        self.months = int(self.month_of_day[-1]) + 1
        self.month_ends = (months[0] + np.arange(1, self.months + 1)).astype("datetime64[D]") - 1
        # cumulative trading weight: a span's share of orders is a difference of two entries
        self.trade_cdf = np.concatenate([[0.0], np.cumsum(trading_weight(self.dates))])

    def day(self, date: dt.date) -> int:
        return (date - self.start).days

    def dates_of(self, days, missing=None) -> pd.Series:
        dates = self.start64 + np.asarray(days, dtype=np.int64)
        if missing is not None:
            dates = np.where(missing, np.datetime64("NaT"), dates)
        return pd.Series(dates.astype("datetime64[D]"))

    def trade_between(self, first, end) -> np.ndarray:
        """Trading weight of the days first <= day < end."""
        return self.trade_cdf[end] - self.trade_cdf[first]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def trading_weight(dates: np.ndarray) -> np.ndarray:
    """How busy ordering is on each day: seasons, weekends, holidays, growth."""
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    weight = MONTH_FACTOR[month] * np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)
    weight = weight * np.where(spring_festival_break(dates), 0.3, 1.0)
    weight = weight * np.where((month == 9) & (day_of_month <= 7), 0.4, 1.0)  # National Day week
    years = (dates - dates[0]).astype(np.int64) / 365.25
    return weight * YEARLY_GROWTH ** years


def _spring_festival(year: int) -> np.datetime64:
    return np.datetime64(f"{year}-{SPRING_FESTIVAL.get(year, '02-01')}", "D")


def spring_festival_break(dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    out = np.zeros(len(dates), dtype=bool)
    for year in range(int(years.min()) - 1, int(years.max()) + 2):
        festival = _spring_festival(year)
        out |= (dates >= festival - 7) & (dates <= festival + 10)
    return out


# ---- writing --------------------------------------------------------------------------

class _Output:
    """Appends to the store in chunks under one batch, and reports progress."""

    def __init__(self, store: Store, user: str, progress: Callable[[str, float], None] | None):
        self.store = store
        self.user = user
        self.batch_id = new_batch_id()  # the whole demo is one batch, undone as one
        self.progress = progress
        self.written = {name: 0 for name in TABLE_ORDER}
        self._done_before: dict[str, float] = {}
        total = 0.0
        for name in STAGE_WORK:
            self._done_before[name] = total
            total += STAGE_WORK[name]

    def stage(self, name: str, within: float = 0.0) -> None:
        if self.progress:
            self.progress(name, min(1.0, self._done_before[name] + STAGE_WORK[name] * within))

    def done(self) -> None:
        if self.progress:
            self.progress("done", 1.0)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        # wide tables in shorter chunks: validation copies every column, so memory goes by cells
        rows = max(10_000, CHUNK_ROWS * 8 // max(len(frame.columns), 8))
        for first in range(0, len(frame), rows):
            self.append(name, frame.iloc[first:first + rows])

    def append(self, name: str, frame: pd.DataFrame) -> None:
        self.store.append(name, frame, user=self.user, batch_id=self.batch_id, operation="demo")
        self.written[name] += len(frame)


def _numbered_array(prefix: str, first: int, count: int, width: int) -> pa.Array:
    """Ids like C00017: text, zero-padded, so they sort and never turn into numbers."""
    numbers = pa.array(np.arange(first, first + count, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def _numbered(prefix: str, first: int, count: int, width: int) -> pd.Series:
    return _numbered_array(prefix, first, count, width).to_pandas()


def _width(count: int, least: int) -> int:
    return max(least, len(str(max(count, 1))))


def _text(values, picks=None) -> pd.Series:
    array = pa.array(list(values), type=pa.string())
    if picks is not None:
        array = array.take(pa.array(np.asarray(picks, dtype=np.int64)))
    return array.to_pandas()


def _choose(rng: np.random.Generator, shares, size) -> np.ndarray:
    shares = np.asarray(shares, dtype=float)
    return rng.choice(len(shares), size=size, p=shares / shares.sum())


def _choose_per_row(rng: np.random.Generator, share_rows: np.ndarray) -> np.ndarray:
    """One pick per row, each row with its own shares."""
    cumulative = np.cumsum(share_rows, axis=1)
    cumulative /= cumulative[:, -1:]
    return (cumulative > rng.random((len(share_rows), 1))).argmax(axis=1)


def _between(rng: np.random.Generator, low, high, size: int | None = None) -> np.ndarray:
    """Whole numbers low <= x <= high, element-wise (high below low counts as low)."""
    low = np.asarray(low, dtype=np.int64)
    high = np.maximum(np.asarray(high, dtype=np.int64), low)
    shape = np.broadcast(low, high).shape if size is None else size
    return low + np.floor(rng.random(shape) * (high - low + 1)).astype(np.int64)


# ---- the customer book ----------------------------------------------------------------

@dataclass
class CustomerBook:
    """Every customer's facts, one numpy array entry per customer.

    Days are counted from the calendar's first day; `created` may be negative
    (customers older than the history shown).
    """
    ids: pa.Array
    names: list[str]
    city: np.ndarray
    industry: np.ndarray
    stem: list[str]  # pinyin of the name's stem, for e-mail domains
    tier: np.ndarray  # index into TIERS
    size: np.ndarray
    manager: np.ndarray
    terms: np.ndarray
    created: np.ndarray
    weight: np.ndarray  # buying power; 0 for potential customers
    bigness: np.ndarray  # 0, rising to 1 for the very largest accounts
    pace: np.ndarray  # index into VISIT_PACE_DAYS: the ABC class the account is expected to have, or prospect
    staple: np.ndarray  # product index
    payer: np.ndarray  # index into PAYER_KINDS
    churned: np.ndarray  # day of churn, -1 if never
    reactivated: np.ndarray  # day of coming back, -1 if not
    churn_reason: np.ndarray  # index into CHURN_REASONS, -1 if never churned

    @property
    def count(self) -> int:
        return len(self.tier)

    @property
    def buying(self) -> np.ndarray:
        return self.weight > 0

    @property
    def lost(self) -> np.ndarray:
        """Churned and not back."""
        return (self.churned >= 0) & (self.reactivated < 0)

    def first_day(self) -> np.ndarray:
        return np.maximum(self.created, 0)

    def trade_end(self, cal: Calendar) -> np.ndarray:
        """End (exclusive) of the first trading stretch: the churn day or tomorrow."""
        return np.where(self.churned >= 0, self.churned + 1, cal.days)


def plan_customer_book(rng: np.random.Generator, count: int, cal: Calendar) -> CustomerBook:
    city = _choose(rng, [c[2] for c in CITIES], count)
    industry = _choose(rng, [i.share for i in INDUSTRIES], count)
    names, stems = company_names(rng, city, industry)
    potential = rng.random(count) < 0.10
    # lognormal buying power; with the spread of trading spans on top, the top
    # fifth of the buying customers brings about 80% of revenue
    weight = np.where(potential, 0.0, rng.lognormal(0.0, BUYING_POWER_SIGMA, count))
    created = np.where(potential, _between(rng, cal.days - 730, cal.days - 7, count),
                       np.where(rng.random(count) < 0.78, -_between(rng, 30, 6 * 365, count),
                                _between(rng, 0, max(cal.days - 90, 0), count)))
    churned, reactivated, reason = plan_churns(rng, cal, weight, created)
    book = CustomerBook(
        ids=_numbered_array("C", 1, count, _width(count, 5)),
        names=names, city=city, industry=industry, stem=stems,
        tier=np.zeros(count, dtype=np.int64), size=np.zeros(count, dtype=np.int64),
        manager=rng.integers(0, len(MANAGERS), count), terms=np.zeros(count, dtype=np.int64),
        created=created, weight=weight, bigness=np.zeros(count), pace=np.zeros(count, dtype=np.int64), staple=staple_products(rng, industry),
        payer=_choose(rng, PAYER_SHARES, count), churned=churned, reactivated=reactivated, churn_reason=reason)
    rank_accounts(rng, book, cal)
    return book


def company_names(rng: np.random.Generator, city: np.ndarray, industry: np.ndarray) -> tuple[list[str], list[str]]:
    """City + two-character stem + a suffix fitting the industry, each name unique."""
    chars = list(NAME_CHARS)
    count = len(city)
    first = rng.integers(0, len(chars), count)
    second = rng.integers(0, len(chars), count)
    suffix = rng.integers(0, 4, count)
    for _ in range(50):
        second = np.where(second == first, (second + 1) % len(chars), second)
        key = ((city * len(chars) + first) * len(chars) + second) * 4 * len(INDUSTRIES) + industry * 4 + suffix
        _, keep = np.unique(key, return_index=True)
        clash = np.ones(count, dtype=bool)
        clash[keep] = False
        if not clash.any():
            break
        first[clash] = rng.integers(0, len(chars), clash.sum())
        second[clash] = rng.integers(0, len(chars), clash.sum())
        suffix[clash] = rng.integers(0, 4, clash.sum())
    names = [CITIES[c][0] + chars[a] + chars[b] + INDUSTRIES[i].suffixes[s]
             for c, a, b, i, s in zip(city.tolist(), first.tolist(), second.tolist(), industry.tolist(),
                                      suffix.tolist())]
    names = _unique(names)  # only a book larger than the name space gets here with clashes
    stems = [NAME_CHARS[chars[a]] + NAME_CHARS[chars[b]] for a, b in zip(first.tolist(), second.tolist())]
    return names, stems


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}（第{seen[name]}分公司）")
    return out


def staple_products(rng: np.random.Generator, industry: np.ndarray) -> np.ndarray:
    staples = [[PRODUCT_INDEX[p] for p in ind.staple] for ind in INDUSTRIES]
    pick = rng.random(len(industry))
    return np.array([staples[i][int(u * len(staples[i]))] for i, u in zip(industry.tolist(), pick.tolist())],
                    dtype=np.int64)


def plan_churns(rng: np.random.Generator, cal: Calendar, weight: np.ndarray, created: np.ndarray):
    """Who leaves, when, why, and the couple who come back.

    Churns fall at least 400 days into the history so the lost revenue of the
    year before is all on record; big accounts are kept harder, so leave less.
    """
    count = len(weight)
    churned = np.full(count, -1, dtype=np.int64)
    reactivated = np.full(count, -1, dtype=np.int64)
    reason = np.full(count, -1, dtype=np.int64)
    earliest = np.maximum(400, created + 180)
    latest = cal.days - 14
    eligible = np.flatnonzero((weight > 0) & (earliest < latest))
    leaving = min(round(CHURN_SHARE * count), len(eligible))
    if leaving == 0:
        return churned, reactivated, reason
    big = weight[eligible] >= np.quantile(weight[weight > 0], 0.8)
    odds = np.where(big, 0.4, 1.0)
    who = np.sort(rng.choice(eligible, size=leaving, replace=False, p=odds / odds.sum()))
    churned[who] = _between(rng, earliest[who], latest - 1)
    reason[who] = _choose(rng, [CHURN_REASON_SHARES.get(r, 0.05) for r in CHURN_REASONS], leaving)
    can_return = who[churned[who] <= cal.days - 120]
    returning = min(len(can_return), max(1, round(0.1 * leaving)) if leaving >= 3 else 0)
    if returning:
        back = np.sort(rng.choice(can_return, size=returning, replace=False))
        reactivated[back] = churned[back] + _between(rng, 60, np.minimum(240, cal.days - 30 - churned[back]))
    return churned, reactivated, reason


def rank_accounts(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> None:
    """Tier, size, bigness and payment terms from what each customer is expected to buy."""
    expected = book.weight * expected_trade(book, cal)
    buying = book.buying
    share = np.zeros(book.count)
    if buying.any():
        order = np.argsort(expected[buying], kind="stable")
        ranks = np.empty(buying.sum())
        ranks[order] = (np.arange(buying.sum()) + 0.5) / buying.sum()
        share[buying] = ranks
    luck = rng.random(book.count)
    important = buying & (((share >= 0.8) & (luck < 0.88)) | ((share < 0.8) & (luck < 0.03)))
    book.tier = np.where(~buying, TIERS.index("potential"),
                         np.where(important, TIERS.index("important"), TIERS.index("ordinary")))
    score = np.where(buying, share + rng.normal(0, 0.12, book.count), rng.random(book.count))
    book.size = np.where(score >= 0.75, SIZES.index("large"), np.where(score >= 0.35, SIZES.index("medium"),
                                                                       SIZES.index("small")))
    book.bigness = np.clip((share - 0.8) / 0.2, 0, 1) * buying
    book.pace = expected_classes(expected, buying)
    terms = np.array([30, 45, 60, 90])
    term_shares = np.array([[0.05, 0.15, 0.40, 0.40], [0.20, 0.35, 0.35, 0.10], [0.50, 0.30, 0.15, 0.05]])
    book.terms = terms[_choose_per_row(rng, term_shares[book.size])]


def expected_classes(expected: np.ndarray, buying: np.ndarray) -> np.ndarray:
    """The ABC class each buyer is expected to end up in by the default cuts (A up to 80% of the
    expected revenue, B up to 95%), and for the rest the prospect's pace, as VISIT_PACE_DAYS counts them."""
    order = np.argsort(-expected, kind="stable")
    before = np.empty(len(expected))
    before[order] = np.cumsum(expected[order]) - expected[order]  # the revenue ranked above each
    share = before / max(expected.sum(), 1e-9)
    return np.where(~buying, 3, np.searchsorted([0.8, 0.95], share, side="right"))


def expected_trade(book: CustomerBook, cal: Calendar) -> np.ndarray:
    """Trading weight of the days each customer buys on (0 for potential customers)."""
    first = book.first_day()
    end = np.maximum(book.trade_end(cal), first)
    before = cal.trade_between(first, end)
    back = np.where(book.reactivated >= 0, cal.trade_between(np.maximum(book.reactivated, 0), cal.days), 0.0)
    return np.where(book.buying, before + back, 0.0)


# ---- sales ----------------------------------------------------------------------------

@dataclass
class Trade:
    """What the sales came to, kept while the lines stream to the store."""
    monthly: np.ndarray  # customers x months, revenue
    revenue: np.ndarray  # per customer, whole history
    lost: np.ndarray  # per churned customer, revenue in the 12 months before churning
    active_months: np.ndarray


def write_sales(out: _Output, rng: np.random.Generator, book: CustomerBook, cal: Calendar, lines: int) -> Trade:
    trade = Trade(monthly=np.zeros(book.count * cal.months), revenue=np.zeros(book.count),
                  lost=np.zeros(book.count), active_months=np.zeros(book.count))
    counts = lines_per_customer(rng, book, cal, lines)
    customer, day = sale_days(rng, book, cal, counts)
    returned = returned_lines(rng, book, counts)
    order = np.argsort(day, kind="stable")  # order numbers run with the dates
    customer, day, returned = customer[order], day[order], returned[order]
    del order
    lookback_from, lookback_to = churn_lookback(book, cal)
    scale = np.clip((book.weight / np.median(book.weight[book.buying])) ** 0.4, 0.25, 25) \
        if book.buying.any() else np.ones(book.count)
    width = _width(lines, 7)
    for first in range(0, lines, CHUNK_ROWS):
        part = slice(first, min(first + CHUNK_ROWS, lines))
        frame, amount = sales_chunk(rng, book, cal, customer[part], day[part], returned[part], scale, first, width)
        out.append("sales", frame)
        who, when = customer[part], day[part]
        trade.monthly += np.bincount(who * cal.months + cal.month_of_day[when], weights=amount,
                                     minlength=book.count * cal.months)
        trade.revenue += np.bincount(who, weights=amount, minlength=book.count)
        before_churn = (when >= lookback_from[who]) & (when < lookback_to[who])
        trade.lost += np.bincount(who[before_churn], weights=amount[before_churn], minlength=book.count)
        out.stage("sales", within=part.stop / max(lines, 1))
    trade.monthly = trade.monthly.reshape(book.count, cal.months)
    trade.active_months = (trade.monthly != 0).sum(axis=1)
    return trade


def lines_per_customer(rng: np.random.Generator, book: CustomerBook, cal: Calendar, lines: int) -> np.ndarray:
    """Bigger buyers order more often and in bigger lots: lines grow with power**0.6, lots with power**0.4."""
    odds = book.weight ** 0.6 * expected_trade(book, cal)
    if lines == 0 or odds.sum() <= 0:
        return np.zeros(book.count, dtype=np.int64)
    return rng.multinomial(lines, odds / odds.sum())


def sale_days(rng: np.random.Generator, book: CustomerBook, cal: Calendar, counts: np.ndarray):
    """Each line's customer and day, drawn from the trading weight of the customer's buying days.

    Customers who are about to leave buy less and less, so their days lean early.
    """
    total = int(counts.sum())
    customer = np.repeat(np.arange(book.count, dtype=np.int32), counts)
    day = np.empty(total, dtype=np.int32)
    first = book.first_day()
    end = np.maximum(book.trade_end(cal), first)
    back = np.maximum(book.reactivated, 0)
    before = cal.trade_between(first, end)
    after = np.where(book.reactivated >= 0, cal.trade_between(back, cal.days), 0.0)
    fading = book.lost
    for lo in range(0, total, CHUNK_ROWS * 2):
        who = customer[lo:lo + CHUNK_ROWS * 2]
        u = rng.random(len(who))
        u = np.where(fading[who], u ** 1.35, u)
        at = u * (before[who] + after[who])
        in_first = at < before[who]
        point = np.where(in_first, cal.trade_cdf[first[who]] + at, cal.trade_cdf[back[who]] + at - before[who])
        drawn = np.searchsorted(cal.trade_cdf, point, side="right") - 1
        drawn = np.where(in_first, np.clip(drawn, first[who], end[who] - 1), np.clip(drawn, back[who], cal.days - 1))
        day[lo:lo + len(who)] = drawn
    pin_history_ends(book, cal, counts, day)
    return customer, day


def pin_history_ends(book: CustomerBook, cal: Calendar, counts: np.ndarray, day: np.ndarray) -> None:
    """Give the steadiest big customer an order on the first day and on today,
    so the history spans exactly three years ending today."""
    steady = np.flatnonzero(book.buying & (book.created <= 0) & (book.churned < 0) & (counts >= 2))
    if len(steady) == 0:
        return
    anchor = steady[np.argmax(book.weight[steady])]
    start = int(counts[:anchor].sum())
    own = day[start:start + counts[anchor]]
    own[np.argmin(own)] = 0
    own[np.argmax(own)] = cal.days - 1


def returned_lines(rng: np.random.Generator, book: CustomerBook, counts: np.ndarray) -> np.ndarray:
    """A handful of customers send goods back: one of their lines becomes negative."""
    returned = np.zeros(int(counts.sum()), dtype=bool)
    candidates = np.flatnonzero(counts >= 3)
    howmany = min(len(candidates), max(2, round(book.buying.sum() / 60)))
    if howmany == 0:
        return returned
    who = rng.choice(candidates, size=howmany, replace=False)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    returned[starts[who] + rng.integers(0, counts[who])] = True
    return returned


def churn_lookback(book: CustomerBook, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Per customer, the days [from, to) whose sales count as lost revenue; empty for the rest.

    kam.churn's rule: the 12 months up to and including the churn date, that is
    after the same day a year earlier.
    """
    start = np.zeros(book.count, dtype=np.int64)
    end = np.zeros(book.count, dtype=np.int64)
    for i in np.flatnonzero(book.churned >= 0):
        churn_date = cal.start + dt.timedelta(days=int(book.churned[i]))
        start[i] = cal.day(_years_before(churn_date, 1)) + 1
        end[i] = book.churned[i] + 1
    return start, end


def sales_chunk(rng, book: CustomerBook, cal: Calendar, customer, day, returned, scale, first: int, width: int):
    n = len(customer)
    shares = np.array([p.share for p in PRODUCTS])
    product = np.where(rng.random(n) < 0.55, book.staple[customer], _choose(rng, shares, n))
    low = np.array([p.low for p in PRODUCTS])[product]
    high = np.array([p.high for p in PRODUCTS])[product]
    big = book.bigness[customer]
    price = np.round((low + (high - low) * rng.beta(2, 2, n)) * (1 - 0.06 * big), 2)  # big accounts bargain
    lot = np.array([p.line for p in PRODUCTS])[product] * scale[customer] * rng.lognormal(0, 0.5, n) / price
    decimals = np.array([p.decimals for p in PRODUCTS])[product]
    quantity = np.where(decimals == 1, np.maximum(np.round(lot, 1), 0.1), np.maximum(np.round(lot), 1))
    margin = np.clip(np.array([p.margin for p in PRODUCTS])[product] + rng.normal(0, 0.03, n) - 0.05 * big,
                     0.05, 0.45)
    amount = np.round(quantity * price, 2)
    cost = np.round(amount * (1 - margin), 2)
    sign = np.where(returned, -1.0, 1.0)
    quantity, amount, cost = quantity * sign, amount * sign, cost * sign
    frame = pd.DataFrame({
        "order_id": _numbered("SO", first + 1, n, width),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "date": cal.dates_of(day),
        "product": _text([p.name for p in PRODUCTS], product),
        "quantity": quantity,
        "amount": amount,
        "cost": cost,
    })
    return frame, amount


# ---- customers ------------------------------------------------------------------------

def customer_files(rng: np.random.Generator, book: CustomerBook, cal: Calendar, trade: Trade) -> pd.DataFrame:
    status = np.where(book.lost, "churned", "active")
    return pd.DataFrame({
        "customer_id": book.ids.to_pandas(),
        "name": _text(book.names),
        "industry": _text([i.name for i in INDUSTRIES], book.industry),
        "region": _text([c[1] for c in CITIES], book.city),
        "size": _text(SIZES, book.size),
        "tier": _text(TIERS, book.tier),
        "account_manager": _text(MANAGERS, book.manager),
        "credit_limit": credit_limits(book, trade),
        "payment_terms_days": pd.array(book.terms, dtype="Int64"),
        "status": _text(status),
        "created": cal.dates_of(book.created),
        "profile": _text(company_profiles(rng, book, cal)),
    })


def credit_limits(book: CustomerBook, trade: Trade) -> np.ndarray:
    """About what a customer owes us at any time, with a fifth to spare, in round ten-thousands."""
    monthly = trade.revenue / np.maximum(trade.active_months, 1)
    limit = np.ceil(np.maximum(monthly, 0) * (book.terms / 30 + 1) * 1.2 / 10_000) * 10_000
    return np.where(book.buying, np.maximum(limit, 50_000), 0.0)


def company_profiles(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> list[str]:
    created_year = (cal.start64 + book.created).astype("datetime64[Y]").astype(np.int64) + 1970
    founded = created_year - rng.integers(0, 20, book.count)
    staff_by_size = np.array([[800, 5000], [150, 800], [20, 150]])
    staff = _between(rng, staff_by_size[book.size, 0], staff_by_size[book.size, 1]) // 10 * 10
    turnover = np.round(staff * rng.uniform(0.08, 0.2, book.count) / 100, 1)
    cities = [c[0] for c in CITIES]
    industries = [i.name for i in INDUSTRIES]
    return [f"{cities[c]}{industries[i]}企业，成立于{y}年，员工约{s}人，年营业额约{t:g}亿元；"
            f"主要采购{PRODUCTS[p].name}。"
            for c, i, y, s, t, p in zip(book.city.tolist(), book.industry.tolist(), founded.tolist(), staff.tolist(),
                                        np.maximum(turnover, 0.1).tolist(), book.staple.tolist())]


# ---- payments -------------------------------------------------------------------------

def write_payments(out: _Output, rng: np.random.Generator, book: CustomerBook, cal: Calendar, trade: Trade) -> None:
    """One invoice per customer per finished month, collected according to how the customer pays."""
    billable = (trade.monthly > 0.005) & (cal.month_ends <= np.datetime64(cal.today, "D"))[None, :]
    month, customer = np.nonzero(billable.T)  # month by month, customers in id order within
    amount = np.round(trade.monthly[customer, month], 2)
    invoiced = cal.month_ends[month]
    due = invoiced + book.terms[customer]
    today = np.datetime64(cal.today, "D")
    kind = book.payer[customer]
    # the punctual pay by the due day, the slow a couple of weeks after it, the problem accounts months after
    late = np.select([kind == 0, kind == 1],
                     [np.minimum(np.round(rng.normal(-3, 3, len(amount))), 0), np.round(rng.gamma(2, 8, len(amount)))],
                     np.round(rng.gamma(2, 35, len(amount))))
    late = late + np.where(rng.random(len(amount)) < 0.03, np.round(rng.gamma(2, 15, len(amount))), 0)
    # a customer about to leave drags out its last bills
    churn_date = cal.start64 + book.churned[customer]
    near_churn = (book.churned[customer] >= 0) & (invoiced >= churn_date - 60) & (invoiced < churn_date + 31)
    late = np.where(near_churn, np.maximum(late, np.round(rng.gamma(2, 30, len(amount)))), late)
    paid_on = np.maximum(due + late.astype(np.int64), invoiced + 1)
    unpaid = paid_on > today
    # a short payment is chased and settled within months, so only recent ones are still short
    partial = ~unpaid & (due > today - 90) & (rng.random(len(amount)) < PARTIAL_PAYMENT[kind])
    paid = np.where(unpaid, 0.0, np.where(partial, np.round(amount * rng.uniform(0.3, 0.9, len(amount)), 2), amount))
    frame = pd.DataFrame({
        "invoice_id": _numbered("INV", 1, len(amount), _width(len(amount), 7)),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "invoice_date": pd.Series(invoiced),
        "amount": amount,
        "due_date": pd.Series(due),
        "paid_date": pd.Series(np.where(unpaid, np.datetime64("NaT"), paid_on).astype("datetime64[D]")),
        "paid_amount": paid,
    })
    out.write("payments", frame)


# ---- contacts -------------------------------------------------------------------------

@dataclass
class People:
    frame: pd.DataFrame
    first: np.ndarray  # per customer, the position of its first contact
    count: np.ndarray  # per customer, how many contacts

    @property
    def names(self) -> pa.Array:
        return pa.array(self.frame["name"], type=pa.string())

    def someone_at(self, rng: np.random.Generator, customer: np.ndarray) -> pd.Series:
        picks = self.first[customer] + np.floor(rng.random(len(customer)) * self.count[customer]).astype(np.int64)
        return self.names.take(pa.array(picks)).to_pandas()


def contact_book(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> People:
    """One to four people per customer: the buyer first, then the boss, the handler, the user."""
    count = np.where(book.buying, 1 + rng.binomial(3, 0.3 + 0.5 * book.bigness), 1 + (rng.random(book.count) < 0.4))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    customer = np.repeat(np.arange(book.count), count)
    position = np.arange(len(customer)) - first[customer]
    role = np.array(CONTACT_ROLES)[position]
    names, mailbox = chinese_names(rng, len(customer))
    domains = np.array(book.stem, dtype=object)[customer]
    title = [TITLES[r][int(u * len(TITLES[r]))] for r, u in zip(role.tolist(), rng.random(len(customer)).tolist())]
    frame = pd.DataFrame({
        "contact_id": _numbered("CT", 1, len(customer), _width(len(customer), 6)),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "name": names,
        "role": _text(role),
        "title": _text(title),
        "phone": mobile_numbers(rng, len(customer)),
        "email": mailbox + "@" + pd.Series(domains, dtype="str") + ".com.cn",
        "birthday": birthdays(rng, cal, len(customer)),
        "interests": interests(rng, len(customer)),
    })
    return People(frame, first, count)


def chinese_names(rng: np.random.Generator, count: int) -> tuple[pd.Series, pd.Series]:
    """Names like 王静 or 陈晓峰, and the given.surname pinyin their mailboxes use."""
    surnames, givens = list(SURNAMES), list(GIVEN_CHARS)
    surname_odds = 1 / np.sqrt(np.arange(1, len(surnames) + 1))  # the common surnames are very common
    family = _choose(rng, surname_odds, count)
    one = rng.integers(0, len(givens), count)
    two = rng.integers(0, len(givens), count)
    double = rng.random(count) < 0.6
    name = (_text(surnames, family) + _text(givens, one)
            + _text(givens, two).where(double, ""))
    pinyin = [GIVEN_CHARS[g] for g in givens]
    given_pinyin = _text(pinyin, one) + _text(pinyin, two).where(double, "")
    return name, given_pinyin + "." + _text([SURNAMES[s] for s in surnames], family)


def mobile_numbers(rng: np.random.Generator, count: int) -> pd.Series:
    rest = pa.array(rng.integers(0, 100_000_000, count)).cast(pa.string())
    return _text(MOBILE_PREFIXES, rng.integers(0, len(MOBILE_PREFIXES), count)) + \
        pc.utf8_lpad(rest, 8, "0").to_pandas()


def birthdays(rng: np.random.Generator, cal: Calendar, count: int) -> pd.Series:
    """Born 1963-1995; about one in eight has a birthday within the next 30 days."""
    year = rng.integers(1963, 1996, count)
    january_first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    born = january_first + rng.integers(0, 365, count)
    soon = np.datetime64(cal.today, "D") + rng.integers(0, 30, count)
    soon_month = soon.astype("datetime64[M]").astype(np.int64) % 12 + 1
    soon_day = (soon - soon.astype("datetime64[M]")).astype(np.int64) + 1
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    soon_day = np.where((soon_month == 2) & (soon_day == 29) & ~leap, 28, soon_day)
    upcoming = pd.to_datetime(pd.DataFrame({"year": year, "month": soon_month, "day": soon_day})).to_numpy()
    return pd.Series(np.where(rng.random(count) < 0.12, upcoming.astype("datetime64[D]"), born))


def interests(rng: np.random.Generator, count: int) -> pd.Series:
    one = rng.integers(0, len(INTERESTS), count)
    two = (one + rng.integers(1, len(INTERESTS), count)) % len(INTERESTS)
    return _text(INTERESTS, one) + ("、" + _text(INTERESTS, two)).where(rng.random(count) < 0.55, "")


# ---- complaints -----------------------------------------------------------------------

def complaint_cards(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> pd.DataFrame:
    """About one complaint per five customers a year, at an even pace through the history, so
    they come and go; those not yet resolved today are still being handled.

    Every customer who left over quality or service complained first.
    """
    linked_reasons = [CHURN_REASONS.index(r) for r, c in CHURN_COMPLAINT_CATEGORY.items()
                      if r in CHURN_REASONS and c in COMPLAINT_CATEGORIES]
    linked = np.flatnonzero((book.churned >= 0) & np.isin(book.churn_reason, linked_reasons))
    buying = np.flatnonzero(book.buying)
    others = max(0, round(COMPLAINTS_PER_CUSTOMER_YEAR * HISTORY_YEARS * book.count) - len(linked)) \
        if len(buying) else 0
    odds = np.sqrt(book.weight[buying] * expected_trade(book, cal)[buying])
    chosen = rng.choice(buying, size=others, p=odds / odds.sum()) if others else np.zeros(0, dtype=np.int64)
    customer = np.concatenate([linked, chosen]).astype(np.int64)
    shares = [COMPLAINT_CATEGORY_SHARES.get(c, 0.05) for c in COMPLAINT_CATEGORIES]
    category = np.concatenate([
        [COMPLAINT_CATEGORIES.index(CHURN_COMPLAINT_CATEGORY[CHURN_REASONS[r]]) for r in book.churn_reason[linked]],
        _choose(rng, shares, others)]).astype(np.int64)
    last = np.where(book.churned >= 0, book.churned, cal.days - 1)[customer]
    received = np.concatenate([book.churned[linked] - rng.integers(20, 121, len(linked)),
                               _between(rng, book.first_day()[chosen], last[len(linked):])])
    received = np.clip(received, np.minimum(book.first_day()[customer], last), last)
    order = np.lexsort((customer, received))
    return complaint_frame(rng, book, cal, customer[order], category[order], received[order])


def complaint_frame(rng, book: CustomerBook, cal: Calendar, customer, category, received) -> pd.DataFrame:
    """The complaint card, plus _customer, _day and _topic for the follow-up visits."""
    n = len(customer)
    names = [COMPLAINT_CATEGORIES[c] for c in category.tolist()]
    subcategory = [_pick_text(DEFAULT_CATEGORIES[c], u) if DEFAULT_CATEGORIES[c] else None
                   for c, u in zip(names, rng.random(n).tolist())]
    stories = [_pick_text(COMPLAINT_STORIES.get(sub) or COMPLAINT_STORIES.get(c) or UNKNOWN_STORY, u)
               for sub, c, u in zip(subcategory, names, rng.random(n).tolist())]
    product = [PRODUCTS[p].name for p in book.staple[customer].tolist()]
    severity = _choose(rng, COMPLAINT_SEVERITY_SHARES, n)
    low = np.array([COMPLAINT_DAYS_TO_RESOLVE[s][0] for s in COMPLAINT_SEVERITIES])[severity]
    high = np.array([COMPLAINT_DAYS_TO_RESOLVE[s][1] for s in COMPLAINT_SEVERITIES])[severity]
    slow = rng.random(n) < SLOW_COMPLAINT_SHARE
    resolved = received + _between(rng, low, high) * np.where(slow, rng.integers(3, 6, n), 1)
    status = complaint_status(rng, cal.days - 1 - received, cal.days - 1 - resolved)
    finished = np.isin(status, ["resolved", "closed"])
    cause_known = finished | ((status == "in_progress") & (rng.random(n) < 0.5))
    satisfied = pd.array(rng.random(n) < 0.8, dtype="boolean")
    satisfied[~finished] = pd.NA
    return pd.DataFrame({
        "complaint_id": _numbered("CP", 1, n, _width(n, 5)),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "received": cal.dates_of(received),
        "channel": _text(COMPLAINT_CHANNELS, rng.integers(0, len(COMPLAINT_CHANNELS), n)),
        "category": _text(names),
        "subcategory": _text(subcategory),
        "severity": _text(COMPLAINT_SEVERITIES, severity),
        "description": _text([story[0].format(product=p) for story, p in zip(stories, product)]),
        "owner": _text(MANAGERS, book.manager[customer]),
        "status": _text(status),
        "cause": _text([story[1] for story in stories]).where(cause_known),
        "resolution": _text([COMPLAINT_RESOLUTIONS.get(c, COMPLAINT_RESOLUTIONS["other"]) for c in names])
        .where(finished),
        "resolved_date": cal.dates_of(resolved, missing=~finished),
        "satisfied": satisfied,
        "_customer": customer,
        "_day": received,
        "_topic": [COMPLAINT_TOPIC_ZH.get(sub or c, sub or c) for sub, c in zip(subcategory, names)],
    })


def complaint_status(rng: np.random.Generator, age: np.ndarray, resolved_since: np.ndarray) -> np.ndarray:
    """Resolved once its days to resolve have passed, closed a month after that, mostly; before
    that open for its first few days and then being handled."""
    luck = rng.random(len(age))
    return np.select(
        [resolved_since > 30, resolved_since >= 0, (age <= 3) | (luck < 0.25)],
        [np.where(luck < 0.8, "closed", "resolved"), "resolved", "open"], "in_progress")


# ---- visits ---------------------------------------------------------------------------

# every visit text in one list, so visits carry a number and become text once, at the end
DISCUSSED_TEXTS = tuple(text for texts in DISCUSSED.values() for text in texts)
DISCUSSED_FIRST = dict(zip(DISCUSSED, np.cumsum([0] + [len(t) for t in DISCUSSED.values()])[:-1].tolist()))
OCCASION = {name: i for i, name in enumerate(VISIT_OCCASIONS)}
STAGE = {name: i for i, name in enumerate(DEAL_STAGES)}


@dataclass
class Visits:
    """Visits as parallel arrays; `topic` indexes DISCUSSED_TEXTS followed by `extra_topics`."""
    customer: np.ndarray
    day: np.ndarray
    occasion: np.ndarray
    topic: np.ndarray
    stage: np.ndarray
    next_day: np.ndarray  # -1: no next visit set
    mood: np.ndarray  # satisfaction fixed by the visit's story; NaN: drawn later
    extra_topics: tuple[str, ...] = ()

    @staticmethod
    def joined(parts: list["Visits"]) -> "Visits":
        extra: list[str] = []
        topics = []
        for part in parts:
            topics.append(np.where(part.topic >= len(DISCUSSED_TEXTS), part.topic + len(extra), part.topic))
            extra += part.extra_topics
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
        return Visits(cat("customer"), cat("day"), cat("occasion"), np.concatenate(topics), cat("stage"),
                      cat("next_day"), cat("mood"), tuple(extra))

    def take(self, order: np.ndarray) -> "Visits":
        return Visits(self.customer[order], self.day[order], self.occasion[order], self.topic[order],
                      self.stage[order], self.next_day[order], self.mood[order], self.extra_topics)


@dataclass
class VisitLog:
    """The visit history card as written, with what the revisit plans need to link to it."""
    frame: pd.DataFrame
    customer: np.ndarray
    day: np.ndarray
    occasion: np.ndarray
    method: np.ndarray  # index into VISIT_METHODS
    ids: pa.Array


def visit_history(rng: np.random.Generator, book: CustomerBook, cal: Calendar, people: People,
                  complaints: pd.DataFrame) -> VisitLog:
    """The visit history card: rounds of visits, retention calls, complaint follow-ups.

    Big accounts are seen monthly, others every two or three months; some
    accounts have lapsed, so their next visit is overdue.
    """
    visits = Visits.joined([visit_rounds(rng, book, cal), retention_visits(rng, book, cal),
                            complaint_followups(rng, cal, complaints)])
    visits = visits.take(np.lexsort((visits.customer, visits.day)))
    n = len(visits.day)
    customer = visits.customer
    method = _choose_per_row(rng, np.array([VISIT_METHOD_SHARES[t] for t in TIERS])[book.tier[customer]])
    mood = np.where(book.churned[customer] >= 0, 3.0, np.where(book.payer[customer] == 2, 3.6, 4.2))
    satisfaction = np.where(np.isnan(visits.mood), np.clip(np.round(rng.normal(mood, 0.7)), 1, 5), visits.mood)
    satisfaction[method == VISIT_METHODS.index("email")] = np.nan  # nobody rates an e-mail
    has_next = visits.next_day >= 0
    ids = _numbered_array("V", 1, n, _width(n, 7))
    frame = pd.DataFrame({
        "visit_id": ids.to_pandas(),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "date": cal.dates_of(visits.day),
        "method": _text(VISIT_METHODS, method),
        "occasion": _text(VISIT_OCCASIONS, visits.occasion),
        "received_by": people.someone_at(rng, customer),
        "visited_by": _text(MANAGERS, book.manager[customer]),
        "discussed": _text(DISCUSSED_TEXTS + visits.extra_topics, visits.topic),
        "deal_stage": _text(DEAL_STAGES, visits.stage),
        "progress": _text([DEAL_PROGRESS[s] for s in DEAL_STAGES], visits.stage),
        "satisfaction": pd.array(satisfaction, dtype="Int64"),
        "next_visit_date": cal.dates_of(np.maximum(visits.next_day, 0), missing=~has_next),
        "next_visit_purpose": _text(NEXT_VISIT_PURPOSES, rng.integers(0, len(NEXT_VISIT_PURPOSES), n)).where(has_next),
        "plan_id": pd.Series(pa.nulls(n, pa.string()).to_pandas(), dtype="str"),
    })
    return VisitLog(frame, customer, visits.day, visits.occasion, method, ids)


def visit_rounds(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> Visits:
    """Each account visited at its own pace from its first day to its last, the same pace all
    through the history, so coverage holds steady. Now and then a visit slips (a gap two to three
    times the pace), and nobody visits over the Spring Festival break, so coverage dips after it."""
    interval = _visit_intervals(rng, book)
    first = book.first_day()
    last = np.where(book.lost, book.churned, cal.days - 1)
    # enough gaps to pass the last day even if every gap were the shortest
    most = np.where(last >= first, np.ceil((last - first) / (VISIT_GAP[0] * interval)).astype(np.int64) + 1, 0)
    customer = np.repeat(np.arange(book.count), most)
    gap = interval[customer] * rng.uniform(*VISIT_GAP, len(customer))
    gap *= np.where(rng.random(len(customer)) < SLIPPED_SHARE, rng.uniform(2, 3, len(customer)), 1.0)
    starts = (np.cumsum(most) - most)[most > 0]
    gap[starts] *= rng.random(len(starts))  # the history opens mid-rhythm
    run = np.cumsum(gap)
    before = np.zeros(book.count)
    before[most > 0] = run[starts] - gap[starts]
    run -= np.repeat(before, most)  # days from the account's first day
    day = after_spring_festival(rng, first[customer] + np.floor(run).astype(np.int64), cal)
    order = np.lexsort((day, customer))
    customer, day = customer[order], day[order]
    customer, day = customer[day <= last[customer]], day[day <= last[customer]]
    day = working_day(day, first[customer], last[customer], cal)
    kept = ~((book.reactivated[customer] >= 0) & (day > book.churned[customer])
             & (day < book.reactivated[customer]))  # away between leaving and coming back
    kept &= np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])]  # one visit a day
    customer, day = customer[kept], day[kept]
    nth = np.arange(len(customer)) - np.searchsorted(customer, customer)
    n = len(customer)
    is_last = np.r_[customer[1:] != customer[:-1], True] if n else np.zeros(0, dtype=bool)
    with_next = np.where(is_last, ~book.lost[customer], rng.random(n) < 0.3)
    next_day = day + np.round(interval[customer] * rng.uniform(0.8, 1.2, n)).astype(np.int64)
    routine = np.array([OCCASION["periodic"], OCCASION["after_transaction"], OCCASION["other"]])
    occasion = routine[_choose(rng, (0.68, 0.22, 0.10), n)]
    festive = holiday_season(cal)[day] & (rng.random(n) < 0.6)
    occasion = np.where(festive, OCCASION["holiday"], occasion)
    prospect = book.tier[customer] == TIERS.index("potential")
    stage = np.where(prospect, np.array([STAGE[s] for s in PROSPECT_STAGES])[np.minimum(nth // 2, 3)],
                     np.array([STAGE[s] for s, _ in CUSTOMER_DEAL_STAGES])[
                         _choose(rng, [share for _, share in CUSTOMER_DEAL_STAGES], n)])
    topic_kind = np.where(prospect, len(VISIT_OCCASIONS), occasion)  # prospects get their own talk
    return Visits(customer, day, occasion, _topics(rng, topic_kind), stage, np.where(with_next, next_day, -1),
                  np.full(n, np.nan))


def _topics(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """A discussed text for each visit of the given occasion (or, past the occasions, a prospect)."""
    keys = [o if o in DISCUSSED else "other" for o in VISIT_OCCASIONS] + ["prospect"]
    first = np.array([DISCUSSED_FIRST[k] for k in keys])
    count = np.array([len(DISCUSSED[k]) for k in keys])
    return first[kind] + np.floor(rng.random(len(kind)) * count[kind]).astype(np.int64)


def _visit_intervals(rng: np.random.Generator, book: CustomerBook) -> np.ndarray:
    low, high = np.array(VISIT_PACE_DAYS).T
    return rng.uniform(low[book.pace], high[book.pace])


def _pick_text(options, u: float):
    return options[int(u * len(options))]


def holiday_season(cal: Calendar) -> np.ndarray:
    """The three weeks before Spring Festival and late September (Mid-Autumn, National Day)."""
    years = cal.dates.astype("datetime64[Y]").astype(np.int64) + 1970
    season = np.zeros(cal.days, dtype=bool)
    for year in range(int(years.min()), int(years.max()) + 2):
        festival = _spring_festival(year)
        season |= (cal.dates >= festival - 21) & (cal.dates < festival - 1)
    month = cal.dates.astype("datetime64[M]").astype(np.int64) % 12
    day_of_month = (cal.dates - cal.dates.astype("datetime64[M]")).astype(np.int64) + 1
    return season | ((month == 8) & (day_of_month >= 15))


def after_spring_festival(rng: np.random.Generator, day: np.ndarray, cal: Calendar) -> np.ndarray:
    """Visits that fall in the Spring Festival break put off until after it, spread over the
    two weeks the work takes to restart."""
    open_days = np.flatnonzero(~spring_festival_break(cal.dates))
    later = np.minimum(np.searchsorted(open_days, day), len(open_days) - 1)
    put_off = (day < cal.days) & (open_days[later] > day)
    return np.where(put_off, open_days[later] + rng.integers(0, 14, len(day)), day)


def working_day(day: np.ndarray, first: np.ndarray, last: np.ndarray, cal: Calendar) -> np.ndarray:
    """Move Saturday visits to Friday and Sunday ones to Monday (or Friday, at the end)."""
    weekday = (cal.dates[day].astype(np.int64) + 3) % 7
    moved = np.where(weekday == 5, day - 1, np.where(weekday == 6, day + 1, day))
    moved = np.where(moved > last, day - 2, moved)
    return np.clip(moved, np.minimum(first, last), last)


def retention_visits(rng: np.random.Generator, book: CustomerBook, cal: Calendar) -> Visits:
    """A visit soon after a customer stops buying, to learn why and try to keep them."""
    who = np.flatnonzero(book.churned >= 0)
    day = book.churned[who] + rng.integers(3, 22, len(who))
    who, day = who[day <= cal.days - 1], day[day <= cal.days - 1]
    n = len(who)
    return Visits(who, day, np.full(n, OCCASION["other"]), np.full(n, DISCUSSED_FIRST["retention"]),
                  np.full(n, STAGE["lost"]), np.full(n, -1), rng.integers(1, 3, n).astype(float))


def complaint_followups(rng: np.random.Generator, cal: Calendar, complaints: pd.DataFrame) -> Visits:
    """A call or visit a few days after a complaint is taken up, to check the fix held."""
    handled = complaints[complaints["status"] != "open"]
    n = len(handled)
    day = np.minimum(handled["_day"].to_numpy() + rng.integers(1, 8, n), cal.days - 1)
    satisfied = handled["satisfied"].fillna(True).to_numpy(dtype=bool)
    topics = tuple(f"就客户反映的{t}问题回访，确认整改措施落实情况" for t in handled["_topic"].tolist())
    return Visits(handled["_customer"].to_numpy(), day, np.full(n, OCCASION["complaint_followup"]),
                  len(DISCUSSED_TEXTS) + np.arange(n), np.full(n, STAGE["none"]), np.full(n, -1),
                  np.where(satisfied, 4.0, 2.0), topics)


# ---- revisit plans --------------------------------------------------------------------

PLAN_STATUS = {name: i for i, name in enumerate(PLAN_STATUSES)}


@dataclass
class Plans:
    customer: np.ndarray
    day: np.ndarray
    occasion: np.ndarray
    status: np.ndarray
    visit: np.ndarray  # position in the visit log, -1 if not carried out

    @staticmethod
    def of(customer, day, occasion, status: str, visit=None) -> "Plans":
        customer = np.asarray(customer, dtype=np.int64)
        n = len(customer)
        return Plans(customer, np.asarray(day, dtype=np.int64), np.broadcast_to(occasion, n).astype(np.int64),
                     np.full(n, PLAN_STATUS[status]), np.full(n, -1) if visit is None else visit)


def revisit_plans(rng: np.random.Generator, book: CustomerBook, cal: Calendar, log: VisitLog) -> pd.DataFrame:
    """The revisit plan table: plans carried out, plans due, plans missed, plans cancelled.

    Ties each done plan to its visit, filling the visit's plan_id in place.
    """
    done = done_plans(rng, log)
    due, missed = open_plans(rng, book, cal, log)
    cancelled = cancelled_plans(rng, book, cal, max(2, round(0.03 * len(done.day))))
    parts = [done, due, missed, cancelled]
    plans = Plans(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("customer", "day", "occasion",
                                                                             "status", "visit")))
    order = np.lexsort((plans.customer, plans.day))
    customer, day, occasion, status, visit = (a[order] for a in (plans.customer, plans.day, plans.occasion,
                                                                  plans.status, plans.visit))
    n = len(customer)
    ids = _numbered_array("RP", 1, n, _width(n, 6))
    carried_out = visit >= 0
    plan_of_visit = np.full(len(log.day), -1)
    plan_of_visit[visit[carried_out]] = np.flatnonzero(carried_out)
    log.frame["plan_id"] = ids.take(pa.array(plan_of_visit, mask=plan_of_visit < 0)).to_pandas()
    method = np.where(carried_out, log.method[np.maximum(visit, 0)],
                      _choose(rng, VISIT_METHOD_SHARES["ordinary"], n))
    purposes = [PLAN_PURPOSES.get(o, PLAN_PURPOSES["other"]) for o in VISIT_OCCASIONS]
    return pd.DataFrame({
        "plan_id": ids.to_pandas(),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "planned_date": cal.dates_of(day),
        "method": _text(VISIT_METHODS, method),
        "purpose": _text(purposes, occasion),
        "content": _text(PLAN_CONTENTS, rng.integers(0, len(PLAN_CONTENTS), n)),
        "owner": _text(MANAGERS, book.manager[customer]),
        "status": _text(PLAN_STATUSES, status),
        "cancel_reason": _text(CANCEL_REASONS, rng.integers(0, len(CANCEL_REASONS), n))
        .where(status == PLAN_STATUS["cancelled"]),
        "done_date": cal.dates_of(log.day[np.maximum(visit, 0)], missing=~carried_out),
        "visit_id": log.ids.take(pa.array(visit, mask=~carried_out)).to_pandas(),
    })


def done_plans(rng: np.random.Generator, log: VisitLog) -> Plans:
    """About a third of the planned-for kinds of visit were planned a few days ahead; one in
    ten of those was carried out a week or more after its day (late)."""
    plannable = np.isin(log.occasion, [OCCASION[o] for o in ("periodic", "after_transaction", "holiday",
                                                              "complaint_followup")])
    chosen = np.flatnonzero(plannable & (rng.random(len(log.day)) < 0.35))
    slipped = rng.random(len(chosen)) < LATE_PLAN_SHARE
    ahead = np.where(slipped, -rng.integers(7, 22, len(chosen)), rng.integers(-3, 2, len(chosen)))
    planned = np.maximum(log.day[chosen] + ahead, 0)
    return Plans.of(log.customer[chosen], planned, log.occasion[chosen], "done", visit=chosen)


def open_plans(rng: np.random.Generator, book: CustomerBook, cal: Calendar, log: VisitLog) -> tuple[Plans, Plans]:
    """Planned visits still ahead, and past ones nobody went to (still 'planned')."""
    last_visit = np.full(book.count, -10_000)
    np.maximum.at(last_visit, log.customer, log.day)
    overdue = last_visit < cal.days - 1 - 1.5 * _visit_intervals(rng, book)
    active = ~book.lost
    odds = np.array([0.85, 0.45, 0.60])[book.tier]
    planning = np.flatnonzero(active & ~overdue & (rng.random(book.count) < odds))
    due_day = cal.days - 1 + rng.integers(1, 43, len(planning))
    # overdue accounts often have a plan nobody went to; a few others forgot one during the year
    forgotten = active & ((overdue & (rng.random(book.count) < 0.4)) | (rng.random(book.count) < 0.05))
    forgetting = np.flatnonzero(forgotten)
    missed_day = np.maximum(cal.days - 1 - np.where(overdue[forgetting], rng.integers(1, 31, len(forgetting)),
                                                    rng.integers(1, 366, len(forgetting))), book.first_day()[forgetting])
    return (Plans.of(planning, due_day, OCCASION["periodic"], "planned"),
            Plans.of(forgetting, missed_day, OCCASION["periodic"], "planned"))


def cancelled_plans(rng: np.random.Generator, book: CustomerBook, cal: Calendar, count: int) -> Plans:
    who = np.flatnonzero(~book.lost)
    customer = np.sort(rng.choice(who, size=min(count, len(who)), replace=False))
    day = _between(rng, book.first_day()[customer], cal.days - 1)
    return Plans.of(customer, day, OCCASION["periodic"], "cancelled")


# ---- churns and profile changes -------------------------------------------------------

def churn_records(book: CustomerBook, cal: Calendar, trade: Trade) -> pd.DataFrame:
    """Lost customers with what they had bought in the twelve months before leaving."""
    who = np.flatnonzero(book.churned >= 0)
    who = who[np.argsort(book.churned[who], kind="stable")]
    reason = np.array(CHURN_REASONS)[book.churn_reason[who]]
    return pd.DataFrame({
        "churn_id": _numbered("CH", 1, len(who), _width(len(who), 4)),
        "customer_id": book.ids.take(pa.array(who)).to_pandas(),
        "churn_date": cal.dates_of(book.churned[who]),
        "reason": _text(reason),
        "note": _text([CHURN_NOTES.get(r, "客户停止合作") for r in reason]),
        "lost_revenue": np.round(trade.lost[who], 2),
        "reactivated_date": cal.dates_of(np.maximum(book.reactivated[who], 0), missing=book.reactivated[who] < 0),
    })


def profile_changes(rng: np.random.Generator, book: CustomerBook, cal: Calendar, trade: Trade) -> pd.DataFrame:
    """Changes to account files, each ending in today's value and with its reason.

    Churns and comebacks change the status; a few dozen other changes touch
    credit limits, tiers, payment terms and who manages the account.
    """
    limits = credit_limits(book, trade)
    total = round(PROFILE_CHANGE_SHARE * book.count)
    parts = [status_changes(book)]
    for field, share in CHANGED_FIELD_SHARES.items():
        parts.append(FIELD_CHANGES[field](rng, book, round(share * total), limits))
    changes = pd.concat(parts, ignore_index=True)
    customer = changes["_customer"].to_numpy()
    day = changes["_day"].to_numpy()
    dated = day < 0  # not fixed by an event: any day since the file was opened
    day = np.where(dated, _between(rng, book.first_day()[customer], cal.days - 2), day)
    order = np.lexsort((customer, day))
    changes, day, customer = changes.iloc[order].reset_index(drop=True), day[order], customer[order]
    n = len(changes)
    return pd.DataFrame({
        "change_id": _numbered("PC", 1, n, _width(n, 5)),
        "customer_id": book.ids.take(pa.array(customer)).to_pandas(),
        "changed_on": cal.dates_of(day),
        "field": changes["field"].astype("str"),
        "old_value": changes["old_value"].astype("str"),
        "new_value": changes["new_value"].astype("str"),
        "reason": changes["reason"].astype("str"),
    })


def _changes(customer, field, old, new, reason, day=None) -> pd.DataFrame:
    customer = np.asarray(customer, dtype=np.int64)
    return pd.DataFrame({"_customer": customer, "field": field, "old_value": list(old), "new_value": list(new),
                         "reason": list(reason),
                         "_day": np.full(len(customer), -1) if day is None else np.asarray(day, dtype=np.int64)})


def _some(rng: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    return np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))


def status_changes(book: CustomerBook) -> pd.DataFrame:
    left = np.flatnonzero(book.churned >= 0)
    back = np.flatnonzero(book.reactivated >= 0)
    return pd.concat([
        _changes(left, "status", ["active"] * len(left), ["churned"] * len(left),
                 [f"客户流失：{CHURN_REASON_ZH.get(CHURN_REASONS[r], CHURN_REASONS[r])}"
                  for r in book.churn_reason[left]],
                 day=book.churned[left]),
        _changes(back, "status", ["churned"] * len(back), ["active"] * len(back),
                 ["客户重新下单，恢复为活跃客户"] * len(back), day=book.reactivated[back]),
    ], ignore_index=True)


def credit_limit_changes(rng, book: CustomerBook, count: int, limits: np.ndarray) -> pd.DataFrame:
    who = _some(rng, np.flatnonzero(book.buying & ~book.lost), count)
    troubled = book.payer[who] == PAYER_KINDS.index("troubled")
    old = limits[who] * np.where(troubled, rng.uniform(1.3, 2.0, len(who)), rng.uniform(0.5, 0.85, len(who)))
    old = np.maximum(np.round(old / 10_000) * 10_000, 10_000)
    old = np.where(old == limits[who], old + 10_000, old)
    reasons = np.where(troubled, "回款逾期增多，下调信用额度",
                       np.where(rng.random(len(who)) < 0.5, "采购额持续增长，上调信用额度",
                                "客户增资扩产，经审批上调信用额度"))
    return _changes(who, "credit_limit", [f"{v:.0f}" for v in old], [f"{v:.0f}" for v in limits[who]], reasons)


def tier_changes(rng, book: CustomerBook, count: int, limits: np.ndarray) -> pd.DataFrame:
    """Most move up into the top fifth; a few drop out of it after buying markedly less."""
    up = _some(rng, np.flatnonzero(book.tier == TIERS.index("important")), count - count // 4)
    down = _some(rng, np.flatnonzero(book.tier == TIERS.index("ordinary")), count // 4)
    return pd.concat([
        _changes(up, "tier", ["ordinary"] * len(up), ["important"] * len(up),
                 ["年度销售额进入前20%，升级为重要客户"] * len(up)),
        _changes(down, "tier", ["important"] * len(down), ["ordinary"] * len(down),
                 ["采购额明显下降，降为普通客户"] * len(down)),
    ], ignore_index=True)


def payment_terms_changes(rng, book: CustomerBook, count: int, limits: np.ndarray) -> pd.DataFrame:
    who = _some(rng, np.flatnonzero(book.buying), count)
    terms = np.array([30, 45, 60, 90])
    current = np.searchsorted(terms, book.terms[who])
    step = np.where(current == 0, 1, np.where(current == 3, -1, np.where(rng.random(len(who)) < 0.5, -1, 1)))
    old = terms[current + step]
    reasons = np.where(old > book.terms[who], "客户回款不及时，缩短账期",
                       np.where(rng.random(len(who)) < 0.5, "客户资金周转需要，协商延长账期",
                                "签订年度框架协议，账期调整"))
    return _changes(who, "payment_terms_days", old.astype(str), book.terms[who].astype(str), reasons)


def account_manager_changes(rng, book: CustomerBook, count: int, limits: np.ndarray) -> pd.DataFrame:
    who = _some(rng, np.arange(book.count), count)
    old = (book.manager[who] + rng.integers(1, len(MANAGERS), len(who))) % len(MANAGERS)
    reasons = np.array(("客户经理岗位调整", "区域重新划分，客户移交", "原客户经理离职，客户移交"))[
        rng.integers(0, 3, len(who))]
    return _changes(who, "account_manager", np.array(MANAGERS)[old], np.array(MANAGERS)[book.manager[who]], reasons)


FIELD_CHANGES = {"credit_limit": credit_limit_changes, "tier": tier_changes,
                 "payment_terms_days": payment_terms_changes, "account_manager": account_manager_changes}
