from django.db import migrations

DEFAULTS = {
    "两学一做": ["学党章党规、学系列讲话，做合格党员"],
    "三会一课": ["支部党员大会、支部委员会、党小组会和党课"],
    "党风廉政建设": ["党风建设和廉政建设", "廉政建设"],
    "主题党日": ["党日活动"],
    "民主生活会": ["领导班子民主生活会"],
    "全面从严治党": ["从严治党"],
    "八项规定": ["中央八项规定"],
}


def add_defaults(apps, schema_editor):
    synonym = apps.get_model("search", "Synonym")
    for term, alternatives in DEFAULTS.items():
        synonym.objects.get_or_create(
            term=term, defaults={"alternatives": "\n".join(alternatives)}
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
