"""The error a PDF or Word reader raises for a file it cannot turn into text."""

from __future__ import annotations


class DocumentProblem(ValueError):
    """A document that cannot be read, with a Thai and an English reason (the build
    reports it under the file's name and indexes the rest)."""

    def __init__(self, thai: str, english: str) -> None:
        super().__init__(f"{thai} / {english}")
        self.thai = thai
        self.english = english
