"""The answers of a question, as StreamField blocks: each block keeps a stable id, which attempts,
responses and statistics use as the choice's key."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

FEEDBACK_HELP = _("Affiché après la tentative, selon la règle de retour du quiz.")


class AnswerBlock(blocks.StructBlock):
    """A choice (single or multiple choice, true/false) or an accepted text (short answer)."""

    text = blocks.CharBlock(label=_("Réponse"), max_length=1000)
    weight = blocks.DecimalBlock(
        label=_("Poids (%)"),
        min_value=-100,
        max_value=100,
        decimal_places=5,
        default=0,
        help_text=_("100 pour la bonne réponse, 0 pour une mauvaise ; négatif pour pénaliser."),
    )
    feedback = blocks.CharBlock(label=_("Retour"), required=False, max_length=1000, help_text=FEEDBACK_HELP)

    class Meta:
        icon = "radio-full"
        label = _("Réponse")


class PairBlock(blocks.StructBlock):
    """Matching: an item and the answer it goes with."""

    text = blocks.CharBlock(
        label=_("Élément"),
        max_length=500,
        required=False,
        help_text=_("Vide : une réponse de plus, qui ne va avec rien."),
    )
    match = blocks.CharBlock(label=_("Correspond à"), max_length=500)

    class Meta:
        icon = "link"
        label = _("Paire à associer")


class NumberBlock(blocks.StructBlock):
    """Numerical: a value with a tolerance, or a range."""

    value = blocks.FloatBlock(label=_("Valeur"), required=False)
    tolerance = blocks.FloatBlock(label=_("Tolérance (±)"), required=False, default=0, min_value=0)
    low = blocks.FloatBlock(label=_("Ou de"), required=False)
    high = blocks.FloatBlock(label=_("à"), required=False)
    weight = blocks.DecimalBlock(label=_("Poids (%)"), min_value=-100, max_value=100, decimal_places=5, default=100)
    feedback = blocks.CharBlock(label=_("Retour"), required=False, max_length=1000, help_text=FEEDBACK_HELP)

    class Meta:
        icon = "order"
        label = _("Réponse numérique")


class ItemBlock(blocks.StructBlock):
    """Ordering: the items, listed in the right order."""

    text = blocks.CharBlock(label=_("Élément"), max_length=500)

    class Meta:
        icon = "list-ol"
        label = _("Élément à ordonner")


class AnswersBlock(blocks.StreamBlock):
    answer = AnswerBlock()
    pair = PairBlock()
    number = NumberBlock()
    item = ItemBlock()
