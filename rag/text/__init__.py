"""Text handling for German and English in one place: language, normalising, tokens, terms, numbers, names."""

from rag.text.injection import instructs_the_model
from rag.text.language import DEFAULT_LANGUAGE, LANGUAGES, detect_language
from rag.text.match import TermMatcher
from rag.text.names import name_of, names
from rag.text.normalise import fold
from rag.text.numbers import QUANTITY_WORDS, number_term, numbers_match, parse_number
from rag.text.terms import EQUIVALENTS, STOPWORDS, analyze, content_terms, stem, word_forms
from rag.text.tokens import Token, extract_numbers, is_model_token, iter_tokens, tokenize

__all__ = [
    "DEFAULT_LANGUAGE", "EQUIVALENTS", "LANGUAGES", "QUANTITY_WORDS", "STOPWORDS", "TermMatcher", "Token",
    "analyze", "content_terms", "detect_language", "extract_numbers", "fold", "instructs_the_model",
    "is_model_token", "iter_tokens", "name_of", "names", "number_term", "numbers_match", "parse_number", "stem",
    "tokenize", "word_forms",
]
