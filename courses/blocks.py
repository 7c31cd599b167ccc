"""The shared StreamField blocks of lessons. Every block has an icon, a template, a description and a
preview value, so that Wagtail's block previews work."""

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["bold", "italic", "link", "ul", "ol", "h3"]


class RequiredRichTextBlock(blocks.RichTextBlock):
    """Rich text that must hold words: an empty paragraph left by the editor does not count."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_FEATURES)
        super().__init__(**kwargs)

    def clean(self, value):
        cleaned = super().clean(value)
        if not strip_tags(cleaned.source if hasattr(cleaned, "source") else str(cleaned)).strip():
            raise ValidationError(_("Ce texte est vide : écrivez-le ou supprimez le bloc."))
        return cleaned


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Titre"), max_length=150)

    class Meta:
        icon = "title"
        label = _("Intertitre")
        template = "blocks/heading.html"
        description = _("Un intertitre qui découpe la leçon en parties.")
        preview_value = {"text": "Pourquoi un mot de passe long est plus sûr"}


class TextBlock(RequiredRichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Texte")
        template = "blocks/text.html"
        description = _("Des paragraphes de texte, avec listes et liens.")
        preview_value = (
            "<p>Un mot de passe se devine d'autant plus difficilement qu'il est <b>long</b>. "
            "Une phrase de quatre ou cinq mots est à la fois solide et facile à retenir.</p>"
        )


class LibraryPreviewMixin:
    """Blocks that point at a library object preview with the first one the library holds."""

    preview_field = ""
    preview_model = None

    def get_preview_value(self):
        model = self.preview_model()
        first = model.objects.order_by("pk").first()
        if first is None:
            return super().get_preview_value()
        return self.to_python({**self.preview_defaults, self.preview_field: first.pk})


def _image_model():
    from wagtail.images import get_image_model

    return get_image_model()


def _document_model():
    from wagtail.documents import get_document_model

    return get_document_model()


class ImageBlock(LibraryPreviewMixin, blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Texte alternatif"),
        max_length=300,
        help_text=_("Décrivez ce que l'image apporte à la leçon, pour les personnes qui ne la voient pas."),
    )
    caption = blocks.CharBlock(label=_("Légende"), required=False, max_length=300)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"
        description = _("Une image avec son texte alternatif (obligatoire) et une légende.")

    preview_field = "image"
    preview_model = staticmethod(_image_model)
    preview_defaults = {"alt_text": "Un agent verrouille son poste avant de quitter son bureau.", "caption": ""}


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre de la vidéo"), max_length=200)
    embed = EmbedBlock(label=_("Lien de la vidéo en ligne"), required=False)
    file = DocumentChooserBlock(label=_("Fichier vidéo déposé"), required=False)
    captions = DocumentChooserBlock(
        label=_("Sous-titres (fichier WebVTT)"), required=False, help_text=_("Pour un fichier vidéo déposé.")
    )
    transcript = RequiredRichTextBlock(
        label=_("Transcription"),
        help_text=_("Obligatoire : le texte de tout ce qui est dit et montré, pour qui ne peut pas écouter la vidéo."),
    )

    class Meta:
        icon = "media"
        label = _("Vidéo")
        template = "blocks/video.html"
        description = _("Une vidéo en ligne ou déposée, toujours accompagnée de sa transcription.")
        preview_value = {
            "title": "Repérer un courriel d'hameçonnage",
            "transcript": "<p>Regardez d'abord l'adresse de l'expéditeur, puis le lien, avant de cliquer.</p>",
        }

    def clean(self, value):
        cleaned = super().clean(value)
        if bool(cleaned.get("embed")) == bool(cleaned.get("file")):
            raise StructBlockValidationError(
                block_errors={
                    "embed": ValidationError(_("Indiquez soit un lien de vidéo en ligne, soit un fichier déposé."))
                }
            )
        return cleaned


class DocumentBlock(LibraryPreviewMixin, blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Intitulé du lien"), max_length=200)
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=300)

    class Meta:
        icon = "doc-full"
        label = _("Document à télécharger")
        template = "blocks/document.html"
        description = _("Un fichier à télécharger (modèle, fiche pratique), avec son format et son poids.")

    preview_field = "document"
    preview_model = staticmethod(_document_model)
    preview_defaults = {"title": "Fiche réflexe : que faire en cas d'incident", "description": ""}


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Type"),
        choices=[("tip", _("Astuce")), ("warning", _("Attention")), ("key", _("À retenir"))],
        default="key",
    )
    title = blocks.CharBlock(label=_("Titre"), max_length=150)
    text = RequiredRichTextBlock(label=_("Texte"))

    class Meta:
        icon = "warning"
        label = _("Encadré")
        template = "blocks/callout.html"
        description = _("Un encadré : astuce, mise en garde ou point clé à retenir.")
        preview_value = {
            "kind": "key",
            "title": "À retenir",
            "text": "<p>Ne communiquez jamais votre mot de passe, même au service informatique.</p>",
        }


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Étape"), max_length=200)
    text = blocks.RichTextBlock(label=_("Détail"), features=RICH_FEATURES, required=False)


class ProcedureBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200)
    steps = blocks.ListBlock(StepBlock(), label=_("Étapes"), min_num=2)

    class Meta:
        icon = "list-ol"
        label = _("Procédure pas à pas")
        template = "blocks/procedure.html"
        description = _("Une suite d'étapes numérotées à suivre dans l'ordre.")
        preview_value = {
            "title": "Activer la double authentification",
            "steps": [
                {"title": "Ouvrez les paramètres de sécurité du compte", "text": ""},
                {"title": "Choisissez « Validation en deux étapes »", "text": ""},
            ],
        }


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200)
    intro = blocks.CharBlock(label=_("Consigne"), required=False, max_length=300)
    items = blocks.ListBlock(blocks.CharBlock(label=_("Point à vérifier"), max_length=300), min_num=2)

    class Meta:
        icon = "tasks"
        label = _("Liste de vérification")
        template = "blocks/checklist.html"
        description = _("Un exercice : une liste de points que l'agent coche en vérifiant sa pratique.")
        preview_value = {
            "title": "Mon poste est-il protégé ?",
            "intro": "Cochez ce qui est déjà vrai pour vous.",
            "items": ["Mon écran se verrouille quand je m'absente", "Mes mises à jour sont faites"],
        }


class TryItBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200)
    instructions = RequiredRichTextBlock(label=_("Consignes"))
    minutes = blocks.IntegerBlock(label=_("Durée (minutes)"), min_value=1, max_value=120, default=5)

    class Meta:
        icon = "pick"
        label = _("À vous de jouer")
        template = "blocks/try_it.html"
        description = _("Une mise en pratique guidée, à faire sur son poste ou son téléphone.")
        preview_value = {
            "title": "Testez une phrase de passe",
            "instructions": "<p>Inventez une phrase de quatre mots sans lien entre eux.</p>",
            "minutes": 5,
        }


class ResourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200)
    url = blocks.URLBlock(label=_("Adresse"))
    publisher = blocks.CharBlock(label=_("Éditeur"), max_length=200)
    description = blocks.CharBlock(label=_("Description"), max_length=400)

    class Meta:
        icon = "link-external"
        label = _("Ressource externe")
        template = "blocks/resource.html"
        description = _("Une fiche vers un site de référence pour aller plus loin.")
        preview_value = {
            "title": "Cybermalveillance.gouv.fr",
            "url": "https://www.cybermalveillance.gouv.fr",
            "publisher": "GIP ACYMA",
            "description": "Assistance et prévention en sécurité numérique.",
        }


def _quiz_chooser_block():
    from quizzes.wagtail_hooks import quiz_chooser_viewset

    return quiz_chooser_viewset.get_block_class(name="QuizChooserBlock", module_path="courses.blocks")


QuizChooserBlock = _quiz_chooser_block()


def _quiz_model():
    from quizzes.models import Quiz

    return Quiz


class QuizBlock(LibraryPreviewMixin, blocks.StructBlock):
    quiz = QuizChooserBlock(label=_("Quiz"))
    intro = blocks.CharBlock(label=_("Présentation"), required=False, max_length=300)
    required = blocks.BooleanBlock(label=_("Quiz à réussir pour terminer la leçon"), required=False, default=True)

    class Meta:
        icon = "tasks"
        label = _("Quiz")
        template = "blocks/quiz.html"
        description = _("Un quiz noté : l'agent le passe depuis la leçon et voit sa correction.")

    preview_field = "quiz"
    preview_model = staticmethod(_quiz_model)
    preview_defaults = {"intro": "Vérifiez ce que vous avez retenu.", "required": True}


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    text = TextBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    procedure = ProcedureBlock()
    checklist = ChecklistBlock()
    try_it = TryItBlock()
    resource = ResourceBlock()
    quiz = QuizBlock()

    class Meta:
        min_num = 1
