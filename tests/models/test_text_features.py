"""The sentiment model's own parts: the same character n-grams as scikit-learn's, and lexicon
features."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from advocates.models.sentiment import normalise_texts
from advocates.models.text_features import LexiconFeatures, WordCharNgrams
from tests.helpers import NEGATIVE, NEUTRAL, POSITIVE

TEXTS = normalise_texts(
    [
        "Sooo good, thank you!!",
        "Ce n'est pas génial",
        "Nu îmi place, e prea scump",
        "a b ab abc abcdefgh",
        "",
        "good GOOD good",
        *POSITIVE,
        *NEGATIVE,
        *NEUTRAL,
    ]
)


def test_character_ngrams_are_scikit_learns_char_wb_tfidf() -> None:
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), min_df=2, sublinear_tf=True)
    expected = reference.fit_transform(TEXTS[:20])
    ours = WordCharNgrams(ngram_range=(1, 5), min_df=2)
    got = ours.fit_transform(TEXTS[:20])
    assert ours.vocabulary_.keys() == reference.vocabulary_.keys()
    order = [
        ours.vocabulary_[g] for g in sorted(reference.vocabulary_, key=reference.vocabulary_.get)
    ]
    np.testing.assert_allclose(got[:, order].toarray(), expected.toarray(), atol=1e-12)
    # New texts, with words never seen (their n-grams outside the vocabulary are dropped); the
    # second call reads the words' columns from what the first one kept.
    for _ in range(2):
        np.testing.assert_allclose(
            ours.transform(TEXTS[20:])[:, order].toarray(),
            reference.transform(TEXTS[20:]).toarray(),
            atol=1e-12,
        )
    copy = pickle.loads(pickle.dumps(ours))
    assert not getattr(copy, "_words", {})  # the kept words are a cache, not pickled
    np.testing.assert_array_equal(copy.transform(TEXTS).toarray(), ours.transform(TEXTS).toarray())


def test_lexicon_features_read_valence_and_negation() -> None:
    lexicon = LexiconFeatures().fit(TEXTS)
    good, negated, unknown = lexicon.transform(["good", "neg_good", "xqzv wplk"]).toarray()
    assert good[0] > 0 and good[1] == 0 and good[5] == 0  # positive valence, a known word
    assert negated[0] == 0 and negated[1] > 0  # "not good" counts against
    assert negated[1] == pytest.approx(0.74 * good[0])
    assert unknown.tolist() == [0, 0, 0, 0, 0, 1]  # no word known
    assert lexicon.transform(["good, good!"]).toarray()[0, 2] == pytest.approx(2 / 2**0.5)
