import pytest


@pytest.mark.django_db
def test_home_page_renders_in_chinese(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert home_page.title in html
    assert "关怀版" in html


@pytest.mark.django_db
def test_unknown_page_gives_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_server_error_page_is_chinese_and_needs_no_database(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器暂时出错" in response.content.decode()
