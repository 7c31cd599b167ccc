"""The catalogue page, the audiences, the trainers' and reviewers' rights, and the
"Relecture pédagogique" moderation workflow that every course goes through before publication."""

from django.db import migrations

AUDIENCES = [
    ("all_staff", "Tous les agents"),
    ("managers", "Encadrants"),
    ("elected_officials", "Élus"),
    ("hr", "Ressources humaines"),
    ("technical_staff", "Services techniques"),
    ("communication", "Communication"),
    ("front_desk", "Accueil et relation aux usagers"),
]
TRAINER_GROUP = "Formateurs"
REVIEWER_GROUP = "Relecteurs pédagogiques"
WORKFLOW_NAME = "Relecture pédagogique"


def _permission(apps, app_label, codename):
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    model = codename.split("_", 1)[1]
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
    )
    return permission


def forwards(apps, schema_editor):
    Audience = apps.get_model("courses", "Audience")
    for position, (code, name) in enumerate(AUDIENCES):
        Audience.objects.get_or_create(code=code, defaults={"name": name, "position": position})

    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    CatalogPage = apps.get_model("courses", "CatalogPage")
    HomePage = apps.get_model("home", "HomePage")
    Group = apps.get_model("auth.Group")
    home = HomePage.objects.order_by("path").first()
    if home is None:
        return
    catalog = CatalogPage.objects.first()
    if catalog is None:
        children = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path")
        last = children.first()
        step = int(last.path[-4:], 36) + 1 if last else 1
        suffix = ""
        for _index in range(4):
            step, digit = divmod(step, 36)
            suffix = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + suffix
        catalog = CatalogPage.objects.create(
            title="Catalogue des formations",
            draft_title="Catalogue des formations",
            slug="catalogue",
            content_type=ContentType.objects.get_for_model(CatalogPage),
            path=home.path + suffix,
            depth=home.depth + 1,
            numchild=0,
            url_path=home.url_path + "catalogue/",
            locale_id=home.locale_id,
            intro="Des cours courts pour prendre en main les outils et les usages numériques du service public local.",
            live=True,
            has_unpublished_changes=False,
        )
        Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)

    trainers, _created = Group.objects.get_or_create(name=TRAINER_GROUP)
    reviewers, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    page_rights = {
        trainers: ["add_page", "change_page", "lock_page", "unlock_page"],
        reviewers: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    }
    for group, codenames in page_rights.items():
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page_id=catalog.pk, permission=_permission(apps, "wagtailcore", codename)
            )
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for group in (trainers, reviewers):
            for app_label, codename in [
                ("wagtailimages", "add_image"),
                ("wagtailimages", "choose_image"),
                ("wagtaildocs", "add_document"),
                ("wagtaildocs", "choose_document"),
            ]:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=_permission(apps, app_label, codename)
                )

    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if created:
        task = GroupApprovalTask.objects.create(
            name="Validation par un relecteur pédagogique",
            content_type=ContentType.objects.get_for_model(GroupApprovalTask),
            active=True,
        )
        task.groups.add(reviewers)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page_id=catalog.pk, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("home", "0002_create_homepage"),
        ("people", "0002_role_groups"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
