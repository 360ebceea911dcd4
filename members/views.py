from django.contrib.auth import views as auth_views


class MemberLoginView(auth_views.LoginView):
    """Members sign in on the public site; staff use the same form or the admin's."""

    template_name = "members/login.html"
    redirect_authenticated_user = True
