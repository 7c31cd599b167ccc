"""Factories for quizzes; the demo loader (through the GIFT importer) and the tests build from these."""

import factory
from factory.django import DjangoModelFactory

from .models import Question, Quiz


def answer(text: str, weight: float = 0, feedback: str = "") -> dict:
    return {"type": "answer", "value": {"text": text, "weight": str(weight), "feedback": feedback}}


class QuizFactory(DjangoModelFactory):
    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Quiz {n}")
    pass_mark = 50
    shuffle_choices = False


class QuestionFactory(DjangoModelFactory):
    """A single-choice question by default: "Vrai" is right, "Faux" is wrong."""

    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    type = "single_choice"
    name = factory.Sequence(lambda n: f"Q{n}")
    text = factory.Sequence(lambda n: f"<p>Question {n} ?</p>")
    answers = factory.LazyFunction(lambda: [answer("Juste", 100, "Bravo."), answer("Faux", 0, "Non.")])
    sort_order = factory.Sequence(int)
