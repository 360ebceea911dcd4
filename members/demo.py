"""Demo organisation tree, members and one account per role (idempotent)."""

from datetime import date

DEMO_PASSWORD = "Dangjian@2026"  # noqa: S105 - published demo password, see README
# Demo accounts and members get addresses on a reserved domain (RFC 2606): mail to
# them lands in var/mail/ under `make run`, never in a real mailbox.
DEMO_EMAIL_DOMAIN = "hongxing.example"

# username, role (group name), real name
ACCOUNTS = [
    ("admin", "站点管理员", "王建国"),
    ("xuanchuan", "宣传员", "李晓红"),
    ("shenhe", "审核员", "张卫东"),
    ("dangxiao", "党校管理员", "刘志强"),
    ("xinxiang", "信箱办理人", "陈立新"),
    ("lingdao", "领导", "赵振华"),
    ("dangyuan", "党员", "孙明"),
]

# code, name, kind, parent code
ORGANIZATIONS = [
    ("HX", "中共红星集团委员会", "committee", None),
    ("HX-JG", "集团机关党总支", "general_branch", "HX"),
    ("HX-JG-01", "机关第一党支部", "branch", "HX-JG"),
    ("HX-JG-02", "机关第二党支部", "branch", "HX-JG"),
    ("HX-JG-03", "机关第三党支部", "branch", "HX-JG"),
    ("HX-ZZ", "制造事业部党总支", "general_branch", "HX"),
    ("HX-ZZ-01", "总装车间党支部", "branch", "HX-ZZ"),
    ("HX-ZZ-01-1", "总装一班党小组", "group", "HX-ZZ-01"),
    ("HX-ZZ-01-2", "总装二班党小组", "group", "HX-ZZ-01"),
    ("HX-ZZ-02", "机加车间党支部", "branch", "HX-ZZ"),
    ("HX-ZZ-03", "质量检验党支部", "branch", "HX-ZZ"),
    ("HX-YF", "研发中心党总支", "general_branch", "HX"),
    ("HX-YF-01", "研发第一党支部", "branch", "HX-YF"),
    ("HX-YF-01-1", "软件研发党小组", "group", "HX-YF-01"),
    ("HX-YF-02", "研发第二党支部", "branch", "HX-YF"),
]

# member no, name, organisation code, post, joined, phone
MEMBERS = [
    ("HX00101", "周国平", "HX-JG-01", "书记", "1998-07-01", "13905310101"),
    ("HX00102", "吴秀兰", "HX-JG-01", "组织委员", "2006-06-18", "13905310102"),
    ("HX00103", "郑海涛", "HX-JG-01", "党员", "2012-10-09", "13905310103"),
    ("HX00201", "冯玉梅", "HX-JG-02", "书记", "2001-05-20", "13905310201"),
    ("HX00202", "何文斌", "HX-JG-02", "宣传委员", "2010-12-01", "13905310202"),
    ("HX00203", "许晴", "HX-JG-02", "党员", "2019-07-01", "13905310203"),
    ("HX00301", "韩志刚", "HX-JG-03", "书记", "1996-03-15", "13905310301"),
    ("HX00302", "曹丽娜", "HX-JG-03", "党员", "2015-11-26", "13905310302"),
    ("HX00401", "马德胜", "HX-ZZ-01", "书记", "1995-07-01", "13905310401"),
    ("HX00402", "罗春燕", "HX-ZZ-01", "组织委员", "2008-09-10", "13905310402"),
    ("HX00403", "高建军", "HX-ZZ-01-1", "党小组长", "2011-04-22", "13905310403"),
    ("HX00404", "林小军", "HX-ZZ-01-1", "党员", "2018-06-30", "13905310404"),
    ("HX00405", "唐桂芳", "HX-ZZ-01-2", "党小组长", "2009-01-12", "13905310405"),
    ("HX00406", "宋宇航", "HX-ZZ-01-2", "党员", "2021-07-01", "13905310406"),
    ("HX00501", "董长青", "HX-ZZ-02", "书记", "1999-10-01", "13905310501"),
    ("HX00502", "梁晓燕", "HX-ZZ-02", "宣传委员", "2013-05-04", "13905310502"),
    ("HX00503", "袁成", "HX-ZZ-02", "党员", "2020-12-18", "13905310503"),
    ("HX00601", "邓丽君", "HX-ZZ-03", "书记", "2003-06-25", "13905310601"),
    ("HX00602", "彭亮", "HX-ZZ-03", "党员", "2016-07-01", "13905310602"),
    ("HX00701", "谢天明", "HX-YF-01", "书记", "2004-11-11", "13905310701"),
    ("HX00702", "蒋慧敏", "HX-YF-01", "组织委员", "2014-03-08", "13905310702"),
    ("HX00703", "沈浩然", "HX-YF-01-1", "党小组长", "2015-09-01", "13905310703"),
    ("HX00704", "韦佳琪", "HX-YF-01-1", "党员", "2022-06-16", "13905310704"),
    ("HX00801", "贾世杰", "HX-YF-02", "书记", "2002-08-01", "13905310801"),
    ("HX00802", "程雪", "HX-YF-02", "宣传委员", "2017-10-18", "13905310802"),
    ("HX00803", "姚鹏飞", "HX-YF-02", "党员", "2023-05-12", "13905310803"),
]

# username -> (member no, organisation code, post, joined, phone, codes administered)
ACCOUNT_PROFILES = {
    "admin": ("HX00001", "HX-JG-01", "党委委员", "1994-07-01", "13905319001", []),
    "xuanchuan": (
        "HX00002",
        "HX-ZZ-01",
        "宣传委员",
        "2011-07-01",
        "13905319002",
        ["HX-ZZ-01"],
    ),
    "shenhe": (
        "HX00003",
        "HX-JG-02",
        "纪检委员",
        "2005-06-28",
        "13905319003",
        ["HX-JG"],
    ),
    "dangxiao": (
        "HX00004",
        "HX-JG-03",
        "组织委员",
        "2007-12-20",
        "13905319004",
        ["HX"],
    ),
    "xinxiang": ("HX00005", "HX-JG-02", "党员", "2013-09-09", "13905319005", []),
    "lingdao": (
        "HX00006",
        "HX-JG-01",
        "党委副书记",
        "1992-07-01",
        "13905319006",
        ["HX"],
    ),
    "dangyuan": ("HX00007", "HX-YF-01", "党员", "2019-10-15", "13905319007", []),
}


def load() -> str:
    """Create the tree, the members and the role accounts; existing ones are left alone."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from .models import AdminScope, Member, Organization
    from .roles import MEMBER, sync_role_permissions
    from .services import create_member

    sync_role_permissions()
    orgs, new_orgs = _load_organizations(Organization)

    new_members = 0
    for member_no, name, code, post, joined, phone in MEMBERS:
        if not Member.objects.filter(member_no=member_no).exists():
            create_member(
                real_name=name,
                organization=orgs[code],
                member_no=member_no,
                phone=phone,
                party_post=post,
                joined_party_on=date.fromisoformat(joined),
            )
            new_members += 1

    User = get_user_model()
    new_accounts = 0
    for username, role, name in ACCOUNTS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = user.is_staff = username == "admin"
            user.save()
            new_accounts += 1
        user.groups.add(Group.objects.get(name=role))
        if role != MEMBER:
            user.groups.add(Group.objects.get(name=MEMBER))
        member_no, code, post, joined, phone, scopes = ACCOUNT_PROFILES[username]
        if not Member.objects.filter(user=user).exists():
            Member.objects.create(
                user=user,
                real_name=name,
                organization=orgs[code],
                member_no=member_no,
                party_post=post,
                joined_party_on=date.fromisoformat(joined),
                phone=phone,
            )
            new_members += 1
        for scope_code in scopes:
            AdminScope.objects.get_or_create(user=user, organization=orgs[scope_code])
    _give_demo_addresses(User)
    return f"党组织新建 {new_orgs} 个，党员新建 {new_members} 人，账号新建 {new_accounts} 个"


def _load_organizations(Organization) -> tuple[dict, int]:
    orgs = {
        org.code: org
        for org in Organization.objects.filter(
            code__in=[code for code, *_ in ORGANIZATIONS]
        )
    }
    created = 0
    for code, name, kind, parent_code in ORGANIZATIONS:
        if code in orgs:
            continue
        if parent_code is None:
            orgs[code] = Organization.add_root(code=code, name=name, kind=kind)
        else:
            parent = Organization.objects.get(pk=orgs[parent_code].pk)
            orgs[code] = parent.add_child(code=code, name=name, kind=kind)
        created += 1
    return orgs, created


def _give_demo_addresses(User) -> None:
    """username@hongxing.example for the role accounts, 党员编号@… for the members."""
    usernames = [username for username, *_ in ACCOUNTS] + [no for no, *_ in MEMBERS]
    for user in User.objects.filter(username__in=usernames, email=""):
        user.email = f"{user.username.lower()}@{DEMO_EMAIL_DOMAIN}"
        user.save(update_fields=["email"])
