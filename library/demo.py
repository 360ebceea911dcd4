"""Demo library: the taxonomy and an enterprise party committee's own documents.

All texts here are written for this project. The PDF attachment in demo_files/ was
printed from demo_files/sanhui-yike-jilu-guifan.html with
``chromium --headless --no-pdf-header-footer --print-to-pdf=… file://….html``.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

DEMO_FILES = Path(__file__).resolve().parent / "demo_files"
ISSUER = "中共红星集团委员会"

TAXONOMY = {
    "党的建设": ["组织建设", "党员教育", "党费管理", "作风建设"],
    "纪检监察": ["党风廉政", "监督执纪"],
    "群团工作": ["工会", "共青团"],
    "企业管理": ["制度建设", "安全生产"],
}

ACTIVITY_PLAN = """2026年主题党日活动安排表

一月 重温入党誓词，开展新春走访慰问困难党员
三月 学雷锋志愿服务，到社区开展义务维修
五月 参观红色教育基地，开展“我为群众办实事”交流
七月 庆祝建党纪念日，表彰优秀共产党员和先进党支部
九月 安全生产大检查，党员先锋岗亮身份、作表率
十一月 组织生活会前谈心谈话，征求意见建议

各党支部可结合生产任务调整月份，调整后报集团党委组织部备案。
"""

DOCUMENTS = [
    {
        "external_id": "demo-hx-2026-03",
        "title": "关于开展2026年度主题党日活动的通知",
        "doc_number": "红星党发〔2026〕3号",
        "index_number": "HX-DW-2026-00003",
        "written_date": "2026-01-08",
        "publish_date": "2026-01-10",
        "doc_type": "通知",
        "category": ("党的建设", "党员教育"),
        "validity": "现行有效",
        "history": [],
        "body": [
            "各党总支、党支部：",
            "为推动党支部组织生活经常化、规范化，增强党员的身份意识和责任意识，集团党委决定在全年开展主题党日活动。现将有关事项通知如下。",
            "一、活动时间",
            "每月第一个星期五下午为集团主题党日。遇重大生产任务不能按时开展的，由党支部报党总支同意后顺延，但不得超过当月。",
            "二、活动内容",
            "主题党日坚持“固定动作+自选动作”。固定动作包括：集中学习、交纳党费、重温入党誓词、通报支部工作。自选动作由党支部结合生产经营实际确定，鼓励开展岗位建功、技术攻关、志愿服务等活动。",
            "三、组织要求",
            "（一）党支部书记是主题党日的第一责任人，要提前一周制定方案，明确主题、议程和参加人员。",
            "（二）党员应当按时参加，因故不能参加的须向党支部书记请假，并在一周内补学。",
            "（三）活动情况要如实记入“三会一课”记录本，照片和签到表一并存档。",
            "四、检查考核",
            "集团党委组织部每季度对各党支部开展情况进行抽查，结果纳入党支部年度考核和书记述职评议。",
            "全年活动安排见附件。",
        ],
        "attachment": "txt",
    },
    {
        "external_id": "demo-hx-2025-12",
        "title": "红星集团党费收缴、使用和管理办法",
        "doc_number": "红星党发〔2025〕12号",
        "index_number": "HX-DW-2025-00012",
        "written_date": "2025-06-20",
        "publish_date": "2025-06-28",
        "doc_type": "办法",
        "category": ("党的建设", "党费管理"),
        "validity": "现行有效",
        "history": [
            "2025年6月20日 集团党委第十五次会议审议通过",
            "2025年7月1日 起施行",
        ],
        "body": [
            "第一章 总则",
            "第一条 为规范集团党费收缴、使用和管理工作，增强党员的党员意识，根据党章和上级党组织有关规定，结合集团实际，制定本办法。",
            "第二条 交纳党费是党员的义务。党员应当增强党员意识，主动按月交纳党费。",
            "第二章 党费的收缴",
            "第三条 在职党员以每月工资收入中相对固定的、经常性的部分为计算基数，扣除个人所得税和社会保险个人缴纳部分后，按规定比例交纳党费。",
            "第四条 党员一般应当按月交纳党费，也可以按季度交纳；经党支部同意，外出务工、长期病休的党员可以预交。",
            "第五条 党支部组织委员负责登记党员交纳党费情况，每半年在党支部内公布一次。",
            "第六条 党员不按照规定交纳党费的，党支部应当及时对其进行批评教育；无正当理由，连续六个月不交纳党费的，按照自行脱党处理。",
            "第三章 党费的使用",
            "第七条 党费主要用于开展党员教育培训、表彰先进党组织和优秀党员、慰问生活困难党员和老党员。",
            "第八条 党费的使用实行预算管理，由集团党委组织部提出年度计划，经集团党委审议后执行，严禁用于发放奖金、购买礼品和招待。",
            "第四章 党费的管理和监督",
            "第九条 党费实行专户存储、专人管理，做到收支有据、账目清楚。",
            "第十条 集团党委每年向各党总支、党支部通报一次党费收缴和使用情况，接受党员监督。",
            "第五章 附则",
            "第十一条 本办法由集团党委组织部负责解释，自2025年7月1日起施行。",
        ],
        "attachment": "docx",
    },
    {
        "external_id": "demo-hx-2025-08",
        "title": "红星集团党支部“三会一课”制度实施细则",
        "doc_number": "红星党发〔2025〕8号",
        "index_number": "HX-DW-2025-00008",
        "written_date": "2025-03-12",
        "publish_date": "2025-03-18",
        "doc_type": "细则",
        "category": ("党的建设", "组织建设"),
        "validity": "现行有效",
        "history": ["2025年3月12日 集团党委第十次会议审议通过"],
        "body": [
            "第一条 为落实“三会一课”制度，提高党支部组织生活质量，制定本细则。",
            "第二条 “三会一课”是指定期召开支部党员大会、支部委员会会议、党小组会，按时上好党课。",
            "第三条 支部党员大会一般每季度召开一次，支部委员会会议一般每月召开一次，党小组会一般每月召开一次。",
            "第四条 党课每季度至少一次，党支部书记每年至少讲一次党课，集团领导班子成员每年到所在党支部或联系点讲党课。",
            "第五条 会议议题应当提前告知党员，重要事项须经集体讨论决定，不得以行政会议代替支部会议。",
            "第六条 “三会一课”应当如实记录，记录填写规范见附件。",
            "第七条 本细则自印发之日起施行。2019年印发的《红星集团党支部组织生活若干规定》同时废止。",
        ],
        "attachment": "pdf",
    },
    {
        "external_id": "demo-hx-2019-05",
        "title": "红星集团党支部组织生活若干规定",
        "doc_number": "红星党发〔2019〕5号",
        "index_number": "HX-DW-2019-00005",
        "written_date": "2019-02-26",
        "publish_date": "2019-03-01",
        "doc_type": "规定",
        "category": ("党的建设", "组织建设"),
        "validity": "已废止",
        "history": [
            "2019年2月26日 集团党委会议通过",
            "2025年3月18日 被红星党发〔2025〕8号废止",
        ],
        "body": [
            "第一条 党支部应当定期召开组织生活会，开展批评和自我批评。",
            "第二条 党小组会每月召开一次，主要学习文件、交流思想、安排工作。",
            "第三条 本规定自印发之日起施行。",
        ],
        "attachment": None,
    },
    {
        "external_id": "demo-hx-2024-21",
        "title": "关于进一步规范发展党员工作的意见",
        "doc_number": "红星党发〔2024〕21号",
        "index_number": "HX-DW-2024-00021",
        "written_date": "2024-09-02",
        "publish_date": "2024-09-05",
        "doc_type": "意见",
        "category": ("党的建设", "组织建设"),
        "validity": "现行有效",
        "history": [],
        "body": [
            "各党总支、党支部：",
            "近年来，集团发展党员工作总体规范，但也存在培养考察不够深入、材料填写不够严谨等问题。为进一步提高发展党员质量，提出如下意见。",
            "一、坚持标准，把政治标准放在首位，注重在生产一线、技术骨干和青年职工中发展党员。",
            "二、严格程序，入党积极分子培养考察期一般不少于一年，每半年考察一次并形成书面意见。",
            "三、加强审核，发展对象的政治审查材料由党总支初审、集团党委组织部复审。",
            "四、规范档案，入党材料做到一人一档、及时归档，严禁事后补写。",
        ],
        "attachment": None,
    },
    {
        "external_id": "demo-hx-2026-01",
        "title": "集团党风廉政建设责任制实施办法",
        "doc_number": "红星纪发〔2026〕1号",
        "index_number": "HX-JW-2026-00001",
        "written_date": "2026-01-15",
        "publish_date": "2026-01-20",
        "doc_type": "办法",
        "category": ("纪检监察", "党风廉政"),
        "validity": "现行有效",
        "history": [],
        "body": [
            "第一条 为落实党风廉政建设主体责任和监督责任，制定本办法。",
            "第二条 集团党委对党风廉政建设负主体责任，党委书记是第一责任人，班子其他成员对分管范围内的党风廉政建设负直接领导责任。",
            "第三条 集团纪委履行监督责任，每年对各单位责任落实情况开展一次专项检查。",
            "第四条 各单位每年年底向集团党委书面报告党风廉政建设责任制落实情况。",
            "第五条 对责任不落实、造成不良影响的，依规依纪追究相关人员责任。",
        ],
        "attachment": None,
    },
]


FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "党费交纳比例对照表"
    document.core_properties.author = ISSUER
    document.add_heading("党费交纳比例对照表", level=1)
    document.add_paragraph(
        "按月计算基数确定交纳比例，计算基数以当年一月工资为准，一年一定。"
    )
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "每月计算基数"
    table.rows[0].cells[1].text = "交纳比例"
    for base, rate in [
        ("3000元以下（含3000元）", "0.5%"),
        ("3000元以上至5000元（含5000元）", "1%"),
        ("5000元以上至10000元（含10000元）", "1.5%"),
        ("10000元以上", "2%"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = base, rate
    document.add_paragraph(
        "离退休党员计算基数为每月基本退休费，5000元以下的按0.5%交纳。"
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _attachment_file(kind: str) -> tuple[str, str, bytes]:
    if kind == "txt":
        return "主题党日活动安排表", "zhuti-dangri-anpai.txt", ACTIVITY_PLAN.encode()
    if kind == "docx":
        return "党费交纳比例对照表", "dangfei-bili.docx", _docx_bytes()
    path = DEMO_FILES / "sanhui-yike-jilu-guifan.pdf"
    return "“三会一课”记录填写规范", path.name, path.read_bytes()


def _category(top: str, sub: str):
    from library.models import PolicyCategory

    parent, _ = PolicyCategory.objects.get_or_create(name=top, parent=None)
    child, _ = PolicyCategory.objects.get_or_create(name=sub, parent=parent)
    return child


def load() -> str:
    """Create the library page, the taxonomy and the demo documents once."""
    from django.core.files.base import ContentFile
    from django.utils.html import escape
    from wagtail.documents import get_document_model

    from library.metadata import is_heading
    from library.models import PolicyAttachment, PolicyCategory, PolicyDocumentPage
    from library.services import install_library_section

    library = install_library_section()
    for order, (top, subs) in enumerate(TAXONOMY.items()):
        parent, _ = PolicyCategory.objects.get_or_create(
            name=top, parent=None, defaults={"sort_order": order}
        )
        for sub_order, sub in enumerate(subs):
            PolicyCategory.objects.get_or_create(
                name=sub, parent=parent, defaults={"sort_order": sub_order}
            )

    created = 0
    document_model = get_document_model()
    for spec in DOCUMENTS:
        if PolicyDocumentPage.objects.filter(external_id=spec["external_id"]).exists():
            continue
        body = "".join(
            f"<h3>{escape(line)}</h3>" if is_heading(line) else f"<p>{escape(line)}</p>"
            for line in (raw.translate(FULL_WIDTH) for raw in spec["body"])
        )
        page = PolicyDocumentPage(
            title=spec["title"],
            slug=spec["external_id"],
            external_id=spec["external_id"],
            doc_number=spec["doc_number"],
            index_number=spec["index_number"],
            issuer=ISSUER,
            written_date=datetime.date.fromisoformat(spec["written_date"]),
            publish_date=datetime.date.fromisoformat(spec["publish_date"]),
            doc_type=spec["doc_type"],
            level="党内规范性文件",
            category=_category(*spec["category"]),
            validity=spec["validity"],
            history="\n".join(spec["history"]),
            body=body,
        )
        library.add_child(instance=page)
        if spec["attachment"]:
            title, filename, data = _attachment_file(spec["attachment"])
            document = document_model(title=title)
            document.file.save(filename, ContentFile(data), save=False)
            document.file_size = len(data)
            document.save()
            page.attachments.add(PolicyAttachment(document=document, sort_order=0))
        page.save_revision().publish()
        created += 1
    total = PolicyDocumentPage.objects.count()
    return f"文件库：新建演示文件 {created} 篇，现有文件 {total} 篇，主题分类 {len(TAXONOMY)} 类。"
