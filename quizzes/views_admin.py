"""Trainers' quiz tools in the Wagtail admin: import a question bank, export a quiz, preview it as an agent
sees it, and grade open answers. Thin views over quizzes.importing and quizzes.services.

Every view is for trainers (people.permissions.is_trainer); anyone else gets 403. Wagtail itself turns away,
before these views run, the accounts that may not open the admin at all (sent to the admin login).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import floatformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from people.permissions import agent_of, is_administrator, is_trainer, trained_agents

from . import grading, services
from .forms import EssayGradeForm, ImportConfirmForm, QuizImportForm
from .importing import FORMATS, ImportReport, export_quiz, import_quiz
from .models import Attempt, QuestionType, Quiz
from .views import public_questions

logger = logging.getLogger(__name__)

# An uploaded file waits here, between the preview and the confirmation, named after a random token that
# only the trainer's session knows. Media storage is shared by every web process (S3 on several machines).
PENDING_DIR = "tmp-imports"
PENDING_SESSION_KEY = "quiz_tools_pending_import"
# Files nobody confirmed nor cancelled (session expired, tab closed) are removed at a later upload.
PENDING_LIFETIME = timedelta(days=1)
QUEUE_PAGE_SIZE = 20
FILE_SUFFIX = {"gift": "gift.txt", "aiken": "aiken.txt"}
FORMAT_LABELS = {"gift": "GIFT", "aiken": "Aiken"}


# --- access -----------------------------------------------------------------------------------------


class TrainerRequiredMixin:
    """Trainers, pedagogical reviewers and the instance administrator; anyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not is_trainer(request.user):
            return TemplateResponse(request, "403.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class ToolView(TrainerRequiredMixin, WagtailAdminTemplateMixin, View):
    """A page of the quiz tools with the admin's header and breadcrumbs."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("quiz_admin:index"), "label": gettext_lazy("Quiz")},
            {"url": "", "label": self.get_page_title()},
        ]

    def render(self, status: int = 200, **context):
        return self.render_to_response(self.get_context_data(**context), status=status)


def scoped_attempts(user) -> QuerySet[Attempt]:
    """Attempts whose answers this user may read and grade (people.permissions.trained_agents); nobody
    grades their own attempts."""
    attempts = Attempt.objects.filter(agent__in=trained_agents(user))
    agent = agent_of(user)
    return attempts.exclude(agent_id=agent.pk) if agent is not None else attempts


# --- import -----------------------------------------------------------------------------------------


def _purge_stale_pending(now) -> None:
    try:
        _folders, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        try:
            if now - default_storage.get_modified_time(path) > PENDING_LIFETIME:
                default_storage.delete(path)
        except (OSError, NotImplementedError):
            logger.warning("quiz import: could not remove the stale file %s", path, exc_info=True)


def _discard_pending(request) -> None:
    """Forget the file kept aside for this session, and delete it."""
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    if pending and pending.get("path", "").startswith(f"{PENDING_DIR}/"):
        default_storage.delete(pending["path"])


def _keep_aside(request, data: bytes, *, fmt: str, title: str, filename: str) -> str:
    """Store the uploaded bytes until the trainer confirms; nothing goes to the database. Returns the token."""
    _discard_pending(request)
    _purge_stale_pending(timezone.now())
    token = str(uuid.uuid4())
    path = default_storage.save(f"{PENDING_DIR}/{token}", ContentFile(data))
    request.session[PENDING_SESSION_KEY] = {
        "token": token,
        "path": path,
        "format": fmt,
        "title": title,
        "filename": filename,
    }
    return token


def _summary(report: ImportReport) -> dict:
    """What the preview shows: questions by type (with their French names), categories, errors by line."""
    labels = dict(QuestionType.choices)
    counts = report.result.type_counts()
    return {
        "total": len(report.result.questions),
        "types": [(labels.get(kind, kind), count) for kind, count in counts.items() if count],
        "categories": [category or _("(catégorie racine)") for category in report.result.categories],
        "errors": sorted(report.result.errors, key=lambda error: error.line),
        "ok": report.ok,
    }


class ImportView(ToolView):
    """Step 1: upload a file; the answer is a preview, and nothing is written to the database."""

    template_name = "quizzes/admin/import.html"
    page_title = gettext_lazy("Importer des questions (GIFT, Aiken)")
    header_icon = "upload"

    def get(self, request):
        pending = request.session.get(PENDING_SESSION_KEY)
        initial = {"title": pending["title"], "format": pending["format"]} if pending else {}
        return self.render(form=QuizImportForm(initial=initial))

    def post(self, request):
        form = QuizImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Le fichier n'a pas été lu : corrigez ce qui est signalé ci-dessous."))
            return self.render(form=form)
        upload = form.cleaned_data["file"]
        fmt, title = form.cleaned_data["format"], form.cleaned_data["title"]
        data = upload.read()
        report = import_quiz(data=data, fmt=fmt, title=title, dry_run=True)
        context = {
            "summary": _summary(report),
            "filename": upload.name,
            "format_label": FORMAT_LABELS[fmt],
            "title": title,
        }
        if not report.ok:
            _discard_pending(request)
            messages.error(request, _("Ce fichier ne peut pas être importé : rien n'a été enregistré."))
            return self.render(form=QuizImportForm(initial={"title": title, "format": fmt}), **context)
        token = _keep_aside(request, data, fmt=fmt, title=title, filename=upload.name)
        return self.render(confirm_form=ImportConfirmForm(initial={"token": token}), **context)


class ImportConfirmView(TrainerRequiredMixin, View):
    """Step 2: re-read the file kept aside and create the quiz in one transaction."""

    def post(self, request):
        form = ImportConfirmForm(request.POST)
        pending = request.session.get(PENDING_SESSION_KEY)
        gone = _("Cet import n'est plus en attente (déjà fait, annulé ou expiré) : déposez le fichier à nouveau.")
        if not form.is_valid() or not pending or pending["token"] != str(form.cleaned_data["token"]):
            messages.error(request, gone)
            return redirect("quiz_tools:import")
        once = f"quiz-import-confirmed:{pending['token']}"
        if not cache.add(once, True, timeout=int(PENDING_LIFETIME.total_seconds())):
            messages.error(request, gone)  # a second click on "Importer" while the first one is running
            return redirect("quiz_tools:import")
        try:
            with default_storage.open(pending["path"], "rb") as stored:
                data = stored.read()
        except OSError:
            request.session.pop(PENDING_SESSION_KEY, None)
            messages.error(request, gone)
            return redirect("quiz_tools:import")
        try:
            report = import_quiz(data=data, fmt=pending["format"], title=pending["title"])
        except BaseException:
            cache.delete(once)  # nothing was written: the trainer may confirm again
            raise
        _discard_pending(request)
        if not report.ok:
            errors = "; ".join(str(error) for error in report.result.errors[:5])
            messages.error(request, _("Rien n'a été importé : %(errors)s") % {"errors": errors})
            return redirect("quiz_tools:import")
        quiz = report.quiz
        log(instance=quiz, action="wagtail.create", user=request.user)
        count = len(report.result.questions)
        logger.info("quiz import: %s questions from a %s file into quiz %s", count, pending["format"], quiz.pk)
        messages.success(
            request,
            _("Le quiz « %(title)s » est créé avec %(count)s questions. Relisez-le, puis réglez ses règles.")
            % {"title": quiz.title, "count": count},
        )
        return redirect("quiz_admin:edit", quiz.pk)


class ImportCancelView(TrainerRequiredMixin, View):
    def post(self, request):
        _discard_pending(request)
        messages.success(request, _("Import annulé : rien n'a été enregistré."))
        return redirect("quiz_tools:import")


# --- export -----------------------------------------------------------------------------------------


class ExportView(ToolView):
    """The two formats a quiz can be downloaded in, and the questions each one leaves out."""

    template_name = "quizzes/admin/export.html"
    header_icon = "download"

    @cached_property
    def quiz(self) -> Quiz:
        return get_object_or_404(Quiz, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Exporter « %(title)s »") % {"title": self.quiz.title}

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        items.insert(-1, {"url": reverse("quiz_admin:edit", args=[self.quiz.pk]), "label": self.quiz.title})
        return items

    def get(self, request, pk: int):
        exports = []
        for fmt in FORMATS:
            text, skipped = export_quiz(self.quiz, fmt)
            exports.append(
                {
                    "format": fmt,
                    "label": FORMAT_LABELS[fmt],
                    "url": reverse("quiz_tools:export_download", args=[self.quiz.pk, fmt]),
                    "skipped": skipped,
                    "empty": not text.strip(),
                }
            )
        return self.render(quiz=self.quiz, exports=exports, total=self.quiz.questions.count())


class ExportDownloadView(TrainerRequiredMixin, View):
    def get(self, request, pk: int, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        quiz = get_object_or_404(Quiz, pk=pk)
        text, _skipped = export_quiz(quiz, fmt)
        if not text.strip():
            messages.error(
                request,
                _("Aucune question de ce quiz ne peut s'écrire en %(format)s.") % {"format": FORMAT_LABELS[fmt]},
            )
            return redirect("quiz_tools:export", quiz.pk)
        filename = f"{slugify(quiz.title) or 'quiz'}-{FILE_SUFFIX[fmt]}"
        response = HttpResponse(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response


# --- preview ----------------------------------------------------------------------------------------


def preview_questions(quiz: Quiz) -> list[dict]:
    """Every question of the quiz, as the attempt page would serve it; no Attempt is written."""
    rng = random.Random()  # noqa: S311 - shuffling choices for a preview, not a secret
    questions = quiz.questions.select_related("competence").order_by("sort_order", "pk")
    snapshot = {"questions": [services.question_snapshot(q, rng, quiz.shuffle_choices) for q in questions]}
    return public_questions(Attempt(quiz=quiz, quiz_title=quiz.title, number=1, snapshot=snapshot), {})


class PreviewView(TrainerRequiredMixin, View):
    """The quiz in the agents' site layout, with the attempt page's own question markup, inputs disabled."""

    def get(self, request, pk: int):
        quiz = get_object_or_404(Quiz, pk=pk)
        questions = preview_questions(quiz)
        drawn = quiz.questions_per_attempt if 0 < quiz.questions_per_attempt < len(questions) else None
        return TemplateResponse(
            request,
            "quizzes/admin/preview.html",
            {"quiz": quiz, "questions": questions, "drawn": drawn, "edit_url": reverse("quiz_admin:edit", args=[pk])},
        )


# --- essay grading ----------------------------------------------------------------------------------


def _form_prefix(attempt_id: int, slot: int) -> str:
    return f"essay-{attempt_id}-{slot}"


def _score_text(score) -> str:
    return f"{floatformat(score, -2)} %"


class EssayQueueView(ToolView):
    """Attempts waiting for a trainer, oldest first, each open answer with its grading form."""

    template_name = "quizzes/admin/essay_queue.html"
    page_title = gettext_lazy("Correction des réponses libres")
    header_icon = "edit"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get(self, request):
        return self.render_queue(request)

    def render_queue(self, request, bound: dict | None = None):
        attempts = (
            scoped_attempts(request.user)
            .filter(state=Attempt.State.AWAITING_GRADING)
            .select_related("agent__user", "agent__organisation", "agent__service")
            .prefetch_related("responses")
            .order_by("submitted_at", "pk")
        )
        paginator = WagtailPaginator(attempts, QUEUE_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("p"))
        items = [self._item(attempt, bound or {}, page.number) for attempt in page.object_list]
        return self.render(
            items=items,
            page_obj=page,
            paginator=paginator,
            elided_page_range=paginator.get_elided_page_range(page.number),
            show_organisation=is_administrator(request.user),
        )

    @staticmethod
    def _item(attempt: Attempt, bound: dict, page_number: int) -> dict:
        responses = {response.slot: response for response in attempt.responses.all()}
        essays = []
        for index, slot in enumerate(attempt.questions):
            if slot["type"] != grading.ESSAY:
                continue
            response = responses.get(index)
            fraction = response.fraction if response else None
            action = reverse("quiz_tools:essay_grade", args=[attempt.pk, index])
            essays.append(
                {
                    "slot": index,
                    "number": index + 1,
                    "text": slot["text"],
                    "mark": slot["mark"],
                    "answer": response.answer if response else None,
                    "fraction": fraction,
                    "grade_text": _score_text(fraction * 100) if fraction is not None else "",
                    "comment": response.grader_comment if response else "",
                    "form": bound.get((attempt.pk, index)) or EssayGradeForm(prefix=_form_prefix(attempt.pk, index)),
                    "action": f"{action}?p={page_number}" if page_number > 1 else action,
                }
            )
        return {"attempt": attempt, "essays": essays, "total": len(attempt.questions)}


class EssayGradeView(EssayQueueView):
    """One open answer graded: 0–100 % and a comment, through quizzes.services.grade_essay."""

    http_method_names = ["post"]

    def _back(self, request):
        page = request.GET.get("p", "")
        url = reverse("quiz_tools:essay_queue")
        return redirect(f"{url}?p={page}" if page.isdigit() else url)

    def post(self, request, attempt_id: int, slot: int):
        attempt = get_object_or_404(scoped_attempts(request.user), pk=attempt_id)
        if not 0 <= slot < len(attempt.questions) or attempt.questions[slot]["type"] != grading.ESSAY:
            raise Http404
        if attempt.state != Attempt.State.AWAITING_GRADING:
            messages.warning(request, _("Cette tentative est déjà corrigée : la note n'a pas été changée."))
            return self._back(request)
        form = EssayGradeForm(request.POST, prefix=_form_prefix(attempt.pk, slot))
        if not form.is_valid():
            problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, _("La note n'est pas enregistrée. %(problems)s") % {"problems": problems})
            return self.render_queue(request, bound={(attempt.pk, slot): form})
        try:
            attempt = services.grade_essay(
                attempt_id=attempt.pk,
                slot=slot,
                fraction=float(form.cleaned_data["grade"] / 100),
                comment=form.cleaned_data["comment"].strip(),
            )
        except services.InvalidAnswerError as error:
            messages.error(request, str(error))
            return self._back(request)
        agent = str(attempt.agent)
        if attempt.state == Attempt.State.GRADED:
            messages.success(
                request,
                _("Tentative de %(agent)s corrigée : score %(score)s.")
                % {"agent": agent, "score": _score_text(attempt.score)},
            )
        else:
            messages.success(
                request,
                _("Note enregistrée. Une autre réponse libre de %(agent)s attend encore sa correction.")
                % {"agent": agent},
            )
        return self._back(request)
