"""The English catalogue is complete and compiled, and the interface switches language."""

import importlib.util
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
ENGLISH_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
LOGIN_URL = "/compte/connexion/"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def load_compile_messages():
    """bin/ is not a package: load the script as a module."""
    spec = importlib.util.spec_from_file_location("compile_messages", ROOT / "bin" / "compile_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware leaves its language active in the thread: give the next test the default back."""
    yield
    translation.deactivate()


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def login_page(client, **headers):
    response = client.get(LOGIN_URL, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_english_catalogue_is_complete():
    """Every entry of the English .po, header included, is translated and none is fuzzy."""
    po = polib.pofile(str(ENGLISH_PO))
    assert not po.metadata_is_fuzzy
    assert [entry.msgid for entry in po if not entry.obsolete and not entry.translated()] == []
    assert len(po.translated_entries()) > 0


def test_english_translations_keep_their_placeholders():
    """Each translation uses exactly the %(name)s placeholders of its French msgid."""
    wrong = []
    for entry in polib.pofile(str(ENGLISH_PO)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        wrong += [source for source, text in pairs if placeholders(source) != placeholders(text)]
    assert wrong == []


def test_committed_mo_matches_po():
    """The committed .mo files hold what their .po files compile to (bin/compile_messages.py --check)."""
    assert load_compile_messages().check() == []


def test_check_reports_a_stale_mo(tmp_path):
    """A .mo compiled before a translation changed is reported by the check."""
    compile_messages = load_compile_messages()
    messages = tmp_path / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "en"}
    po.append(polib.POEntry(msgid="Se connecter", msgstr="Log in"))
    po.save(str(messages / "django.po"))
    po.save_as_mofile(str(messages / "django.mo"))
    po[0].msgstr = "Sign in"
    po.save(str(messages / "django.po"))
    assert compile_messages.check(tmp_path) == [f"{messages / 'django.mo'}: different translation: 'Se connecter'"]


@pytest.mark.django_db
def test_login_page_in_english(client):
    """With Accept-Language: en the login page has the English heading and button."""
    html = login_page(client, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html
    assert '<button type="submit" class="button">Sign in</button>' in html
    assert "Se connecter" not in html


@pytest.mark.django_db
def test_login_page_in_french(client):
    """With Accept-Language: fr the login page has the French heading and button."""
    html = login_page(client, HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr">' in html
    assert "<h1>Se connecter</h1>" in html
    assert '<button type="submit" class="button">Se connecter</button>' in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_switch_to_english(client):
    """Choosing English in the language switch (set_language) shows the login page in English."""
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    html = login_page(client, HTTP_ACCEPT_LANGUAGE="fr")
    assert "<h1>Sign in</h1>" in html
    assert '<button type="submit" class="button">Sign in</button>' in html


def test_french_plural_takes_the_singular_for_zero():
    """In French, 0 and 1 take the singular ("0 formation"), as the French catalogue's rule says."""
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("fr"):
        assert ngettext("%(total)s attestation", "%(total)s attestations", 0) == "%(total)s attestation"
        assert ngettext("%(total)s attestation", "%(total)s attestations", 2) == "%(total)s attestations"
