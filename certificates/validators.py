"""Checks of uploaded certificate logos: a real PNG or JPEG image, small enough to embed."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 4000 * 4000
LOGO_FORMATS = {"PNG", "JPEG"}


def validate_logo(file) -> None:
    if file.size > MAX_LOGO_BYTES:
        raise ValidationError(_("Le logo dépasse 2 Mo : réduisez-le avant de l'envoyer."))
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("Ce fichier n'est pas une image lisible : envoyez un PNG ou un JPEG.")) from exc
    finally:
        file.seek(position)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("Le logo doit être une image PNG ou JPEG."))
    if width * height > MAX_LOGO_PIXELS:
        raise ValidationError(_("Le logo est trop grand (4 000 × 4 000 pixels au plus)."))
