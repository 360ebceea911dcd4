import pytest

from members.roles import PUBLICIST, REVIEWER
from tests.members.factories import make_org_tree, make_staff_user
from tests.notices.factories import NoticePageFactory


@pytest.fixture
def tree(db):
    return make_org_tree("T")


@pytest.fixture
def index(home_page):
    from notices.services import install_notice_section

    return install_notice_section()


@pytest.fixture
def notice_a(index, tree):
    return NoticePageFactory(
        parent=index, organization=tree["a"], title="甲支部发展党员公示"
    )


@pytest.fixture
def notice_b(index, tree):
    return NoticePageFactory(
        parent=index, organization=tree["b"], title="乙支部发展党员公示"
    )


@pytest.fixture
def archived_a(index, tree):
    return NoticePageFactory(
        parent=index, organization=tree["a"], title="甲支部已结束公示", starts=-20
    )


@pytest.fixture
def staff_a(tree):
    """A 宣传员 administering branch A."""
    return make_staff_user(PUBLICIST, scope=tree["a"], username="xc_a")


@pytest.fixture
def staff_b(tree):
    return make_staff_user(REVIEWER, scope=tree["b"], username="sh_b")


def send(
    notice, *, name="李四", contact="13800138000", content="情况属实。", user=None
):
    from notices import services

    return services.submit_feedback(
        notice,
        services.FeedbackData(real_name=name, contact=contact, content=content),
        ip="192.0.2.7",
        user=user,
    )
