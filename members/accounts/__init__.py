"""Account life cycle: activation codes, password reset and change, forced changes.

- ``codes``: the one-time codes themselves (pure functions, no Django models).
- ``services``: issuing and redeeming codes, who may issue them for whom, the
  "must change password" flag, the rate limits of these forms.
- ``views`` / ``forms`` / ``urls``: the public pages under /accounts/.
- ``admin_views``: issuing codes in the admin (bulk action, per organisation, the
  printable sheet and its XLSX).
- ``middleware``: sends accounts that must change their password to the change page.
- ``tasks``: sending account e-mail in the background.
"""
