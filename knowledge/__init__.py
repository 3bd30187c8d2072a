"""The knowledge base: articles, answers per country and language, institutions."""

from knowledge.base import Answer, Article, Institution, KnowledgeBase, ResolvedAnswer
from knowledge.loader import load_knowledge

__all__ = [
    "Answer",
    "Article",
    "Institution",
    "KnowledgeBase",
    "ResolvedAnswer",
    "load_knowledge",
]
