"""Demo content of the home app for `make run`: the footer's address, phone and 备案号."""

DEMO_FOOTER = {
    "address": "红星市新华区工业大道 1 号集团党委办公室",
    "phone": "0000-12345678（演示）",
    "icp": "红ICP备00000000号-1（演示）",
}


def load() -> str:
    """Fill the footer fields that are still empty; idempotent, keeps staff edits."""
    from .models import SiteSettings

    settings = SiteSettings.load()
    empty = {
        name: value
        for name, value in DEMO_FOOTER.items()
        if not getattr(settings, name)
    }
    for name, value in empty.items():
        setattr(settings, name, value)
    if empty:
        settings.save()
    return "页脚：主办单位、地址、电话和备案号" + ("已填写" if empty else "保持不变")
