"""The exams' fixtures (bank, tree, course, quiz, final) are the points' facts too."""

from tests.exams.conftest import (  # noqa: F401
    bank,
    category,
    course,
    final,
    member,
    other_member,
    quiz,
    tree,
)
