"""Fill Unit.search_name for the units that exist (the services keep it up to date after)."""

import unicodedata

from django.db import migrations


def search_key(text):
    # A frozen copy of assessments.services.search_key: a migration must not change later.
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = bare.replace("đ", "d").replace("Đ", "D")
    return " ".join(bare.lower().split())


def fill(apps, schema_editor):
    Unit = apps.get_model("assessments", "Unit")
    units = list(Unit.objects.only("pk", "name"))
    for unit in units:
        unit.search_name = search_key(unit.name)
    Unit.objects.bulk_update(units, ["search_name"], batch_size=1000)


def empty(apps, schema_editor):
    apps.get_model("assessments", "Unit").objects.update(search_name="")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_add_unit_search_name"),
    ]

    operations = [migrations.RunPython(fill, empty)]
