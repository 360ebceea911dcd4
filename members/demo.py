"""Demo organisation tree, members and one account per role (idempotent)."""

DEMO_PASSWORD = "Dangjian@2026"  # noqa: S105 - published demo password, see README

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


def load() -> str:
    """Placeholder until the members demo lands: creates the role accounts only."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    created = 0
    for username, _role, _name in ACCOUNTS:
        user, was_created = User.objects.get_or_create(username=username)
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = username == "admin"
            user.is_staff = username == "admin"
            user.save()
            created += 1
    return f"账号 {created} 个新建"
