"""The roles of the platform and the Django groups that carry them.

An agent is anyone with a profile; a manager is an agent with active reports (derived, not stored);
HR, trainers and reviewers are groups; the instance administrator is a superuser.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

HR_GROUP = "RH"
TRAINER_GROUP = "Formateurs"
REVIEWER_GROUP = "Relecteurs pédagogiques"


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Encadrant")
    HR = "hr", _("RH")
    TRAINER = "trainer", _("Formateur")
    REVIEWER = "reviewer", _("Relecteur pédagogique")
    ADMINISTRATOR = "administrator", _("Administrateur")


GROUP_ROLES = {HR_GROUP: Role.HR, TRAINER_GROUP: Role.TRAINER, REVIEWER_GROUP: Role.REVIEWER}
STAFF_ROLES = {Role.HR, Role.TRAINER, Role.REVIEWER, Role.ADMINISTRATOR}
