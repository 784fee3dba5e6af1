"""Tests for BLEU (against sacrebleu) and ROUGE (against rouge-score)."""

from __future__ import annotations

import itertools
import math
import string

import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer
from rouge_score import tokenize as rouge_tokenize
from rouge_score.rouge_scorer import _lcs_table
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

from otel_measure.calculators.text import (
    BleuResult,
    BleuStats,
    corpus_bleu,
    rouge_scores,
    rouge_tokens,
    sentence_bleu,
    tokenize_13a,
)
from otel_measure.calculators.text_rouge import _lcs_length

_WORDS = [
    "the", "The", "cat", "sat", "on", "mat", "a", "dog", "3.5", "1,000", "42", "U.S.",
    "don't", "state-of-the-art", "e.g.", "café", "naïve", "Ünïcödé", "中文", "日本語",
    "K", "İstanbul", "٣", "ß", "🙂", "x-ray", "2-3", "end.", "(yes)", "[no]", "$5",
]  # fmt: skip
_ATOMS = [
    *string.ascii_letters[:8], *string.digits[:4], *string.punctuation, " ", "  ", "\t",
    "\n", "\r", "\u00a0", "\u3000", "é", "Å", "中", "&quot;", "&amp;", "&lt;", "&gt;",
    "&apos;", "&#39;", "&nbsp;", "&amp;lt;", "<skipped>", "-\n", *_WORDS,
]  # fmt: skip
_SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", ", ", ". ", " - ", "-", ""]

_text = st.lists(st.sampled_from(_ATOMS), max_size=25).map("".join)
_any_text = st.one_of(_text, st.text(max_size=40))


@st.composite
def _sentence(draw: st.DrawFn, words: list[str] | None = None) -> str:
    """A sentence of words and separators, maybe padded with whitespace."""
    chosen = words if words is not None else draw(st.lists(st.sampled_from(_WORDS), max_size=20))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(chosen), max_size=len(chosen)))
    body = "".join(w + s for w, s in zip(chosen, seps, strict=True))
    lead = draw(st.sampled_from(["", " ", "\t", "\n "]))
    trail = draw(st.sampled_from(["", " ", ".", "  \n", "-\n", "\t"]))
    return lead + body + trail


@st.composite
def _segment(draw: st.DrawFn, n_refs: int) -> tuple[str, list[str]]:
    """A hypothesis and references that share many words (so scores are not all 0)."""
    base = draw(st.lists(st.sampled_from(_WORDS), max_size=20))
    refs = []
    for _ in range(n_refs):
        words = [w for w in base if draw(st.integers(0, 9)) > 1]
        refs.append(draw(_sentence(words)))
    hyp_words = [w if draw(st.integers(0, 9)) > 1 else draw(st.sampled_from(_WORDS)) for w in base]
    return draw(_sentence(hyp_words)), refs


@st.composite
def _corpus(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """Hypotheses and 1-3 reference streams of the same length."""
    n_refs = draw(st.integers(1, 3))
    segments = draw(st.lists(_segment(n_refs), min_size=1, max_size=12))
    hyps = [h for h, _ in segments]
    streams = [[refs[k] for _, refs in segments] for k in range(n_refs)]
    return hyps, streams


def _assert_same_bleu(ours: BleuResult, theirs: sacrebleu.BLEUScore) -> None:
    """Our BLEU result carries the same score and statistics as sacrebleu's."""
    assert ours.score == pytest.approx(theirs.score / 100, rel=1e-12, abs=1e-12)
    assert 0.0 <= ours.score <= 1.0
    assert ours.precisions == pytest.approx([p / 100 for p in theirs.precisions], abs=1e-12)
    assert ours.brevity_penalty == pytest.approx(theirs.bp, rel=1e-12, abs=1e-12)
    assert ours.sys_len == theirs.sys_len
    assert ours.ref_len == theirs.ref_len
    assert list(ours.matches) == list(theirs.counts)
    assert list(ours.totals) == list(theirs.totals)
    assert ours.ratio == pytest.approx(theirs.ratio, rel=1e-12)


# --- 13a tokenizer ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(line=_any_text)
def test_tokenize_13a_matches_sacrebleu(line: str) -> None:
    """The 13a tokenizer gives sacrebleu's output on mixed text, entities and unicode."""
    assert tokenize_13a(line) == Tokenizer13a()(line)


def test_tokenize_13a_exhaustive_on_short_strings() -> None:
    """Every string of up to 5 characters over the rule-relevant alphabet tokenizes alike."""
    reference = Tokenizer13a()
    for length in range(6):
        for chars in itertools.product("a1.,-\n &", repeat=length):
            line = "".join(chars)
            assert tokenize_13a(line) == reference(line), repr(line)


@pytest.mark.parametrize(
    "line",
    [
        "", " ", "\n", "a.,1", "1..2", "a..b", ",.,.1", "1.5-2", "x-\ny", "end-\n",
        "&amp;quot; &amp;lt; &quot;hi&quot;", "&lt;skipped&gt;", "<skipped>word",
        "U.S. 3,000.50, e.g., (a)-[b]", "\u00a0a\u2009b\u3000c", "١.٢", "tab\tsep",
    ],
)  # fmt: skip
def test_tokenize_13a_edge_cases(line: str) -> None:
    """Runs of marks, entities, joined hyphens and unicode spaces tokenize as sacrebleu."""
    assert tokenize_13a(line) == Tokenizer13a()(line)


def test_tokenize_13a_rejects_non_strings() -> None:
    """A non-string line is a ValueError naming the argument."""
    with pytest.raises(ValueError, match="line=None"):
        tokenize_13a(None)  # type: ignore[arg-type]


# --- BLEU ---------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(corpus=_corpus())
def test_corpus_bleu_matches_sacrebleu(corpus: tuple[list[str], list[list[str]]]) -> None:
    """Corpus BLEU and its statistics equal sacrebleu's corpus_bleu / 100."""
    hyps, streams = corpus
    _assert_same_bleu(corpus_bleu(hyps, streams), sacrebleu.corpus_bleu(hyps, streams))


@settings(max_examples=200, deadline=None)
@given(corpus=st.tuples(st.lists(_any_text, min_size=1, max_size=6), st.integers(1, 3)))
def test_corpus_bleu_matches_sacrebleu_on_arbitrary_text(corpus: tuple[list[str], int]) -> None:
    """Corpus BLEU equals sacrebleu's on unrelated arbitrary strings (mostly zero scores)."""
    texts, n_refs = corpus
    hyps = texts
    streams = [[t[::-1] if k % 2 else t[: len(t) // 2] for t in texts] for k in range(n_refs)]
    _assert_same_bleu(corpus_bleu(hyps, streams), sacrebleu.corpus_bleu(hyps, streams))


@settings(max_examples=150, deadline=None)
@given(segment=st.integers(1, 3).flatmap(_segment))
def test_sentence_bleu_matches_sacrebleu(segment: tuple[str, list[str]]) -> None:
    """Sentence BLEU (effective order) equals sacrebleu's sentence_bleu / 100."""
    hyp, refs = segment
    _assert_same_bleu(sentence_bleu(hyp, refs), sacrebleu.sentence_bleu(hyp, refs))


@settings(max_examples=80, deadline=None)
@given(corpus=_corpus(), cut=st.integers(0, 12))
def test_bleu_stats_merge_equals_corpus(
    corpus: tuple[list[str], list[list[str]]], cut: int
) -> None:
    """Two merged BleuStats batches give exactly the corpus BLEU of the whole."""
    hyps, streams = corpus
    left, right = BleuStats(), BleuStats()
    for i, hyp in enumerate(hyps):
        (left if i < cut else right).add(hyp, [s[i] for s in streams])
    left.merge(right)
    assert left.result() == corpus_bleu(hyps, streams)
    rebuilt = BleuStats.from_stats(left.stats(), segments=left.segments)
    assert rebuilt.result() == corpus_bleu(hyps, streams)


@pytest.mark.parametrize(
    ("hyps", "streams"),
    [
        ([""], [[""]]),
        (["", ""], [["a b c", ""]]),
        (["a b c"], [[""]]),
        (["..."], [["..."]]),
        (["the the the the"], [["the"], ["the the"]]),
        (["a b c d e"], [["a b c d"], ["a b c d e f"]]),
        (["a b c d e"], [["a b c d e f"], ["a b c d"]]),
        (["one two"], [["one two three four five"]]),
        (["x y z w v"], [["p q r s t"]]),
        (["Hello &amp; welcome, &quot;friend&quot;!"], [['Hello & welcome, "friend"!']]),
        (["Das ist ein Haus .", "3.5 - 1,000"], [["Das ist ein Haus.", "3.5-1,000"]]),
        (["中文 測試 。", "naïve café"], [["中文 測試。", "naive cafe"]]),
        (["a b c d", "e f"], [["a b c d", None], [None, "e f g"]]),
        (["  spaced   out \t text \n"], [["spaced out text"]]),
    ],
)
def test_bleu_fixed_edge_cases(hyps: list[str], streams: list[list[str | None]]) -> None:
    """Empty strings, ties, clipping, entities, None references and whitespace match sacrebleu."""
    _assert_same_bleu(corpus_bleu(hyps, streams), sacrebleu.corpus_bleu(hyps, streams))
    for i, hyp in enumerate(hyps):
        refs = [s[i] for s in streams if s[i] is not None]
        _assert_same_bleu(sentence_bleu(hyp, refs), sacrebleu.sentence_bleu(hyp, refs))


def test_corpus_bleu_scale_and_perfect_match() -> None:
    """An exact match scores 1.0 (sacrebleu's 100 divided by 100)."""
    text = ["The quick brown fox jumps over the lazy dog ."]
    result = corpus_bleu(text, [text])
    assert result.score == pytest.approx(sacrebleu.corpus_bleu(text, [text]).score / 100)
    assert math.isclose(result.score, 1.0)
    assert result.to_dict()["score"] == result.score


@pytest.mark.parametrize(
    ("hyps", "streams", "message"),
    [
        ([], [[]], "hypotheses=\\[\\] is empty"),
        ("abc", [["abc"]], "hypotheses='abc'"),
        (["a", None], [["a", "b"]], "hypotheses\\[1\\]=None"),
        (["a", "b"], [["a"]], "references\\[0\\] has 1 segments"),
        (["a"], [], "references=\\[\\] holds no reference stream"),
        (["a"], ["a"], "references\\[0\\]='a'"),
        (["a"], "a", "references='a'"),
        (["a"], [[3]], "references\\[0\\]\\[0\\]=3"),
        (["a"], [[None], [None]], "no reference for segment 0"),
    ],
)
def test_corpus_bleu_rejects_bad_arguments(hyps: object, streams: object, message: str) -> None:
    """Bad corpus arguments raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=message):
        corpus_bleu(hyps, streams)  # type: ignore[arg-type]


def test_sentence_bleu_and_stats_reject_bad_arguments() -> None:
    """Bad sentence arguments, empty accumulators and foreign merges raise ValueError."""
    with pytest.raises(ValueError, match="references='ref'"):
        sentence_bleu("hyp", "ref")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="holds no reference string"):
        sentence_bleu("hyp", [])
    with pytest.raises(ValueError, match="hypothesis=1"):
        sentence_bleu(1, ["x"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no segments"):
        BleuStats().result()
    with pytest.raises(ValueError, match="not a BleuStats"):
        BleuStats().merge(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stats="):
        BleuStats.from_stats([1, 2, 3])


# --- ROUGE --------------------------------------------------------------------------

_SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)


def _assert_same_rouge(prediction: str, target: str) -> None:
    """Our ROUGE-1/2/L equal rouge-score's score(target, prediction)."""
    ours = rouge_scores(prediction, target)
    theirs = _SCORER.score(target, prediction)
    for mine, key in ((ours.rouge1, "rouge1"), (ours.rouge2, "rouge2"), (ours.rougeL, "rougeL")):
        assert mine.precision == pytest.approx(theirs[key].precision, abs=1e-12)
        assert mine.recall == pytest.approx(theirs[key].recall, abs=1e-12)
        assert mine.f1 == pytest.approx(theirs[key].fmeasure, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(text=_any_text)
def test_rouge_tokens_match_rouge_score(text: str) -> None:
    """Tokens equal rouge-score's default tokenizer, non-ASCII dropped."""
    assert rouge_tokens(text) == rouge_tokenize.tokenize(text, None)


@settings(max_examples=200, deadline=None)
@given(segment=_segment(1))
def test_rouge_matches_rouge_score(segment: tuple[str, list[str]]) -> None:
    """ROUGE-1/2/L precision, recall and F1 equal rouge-score's on related texts."""
    prediction, (target,) = segment
    _assert_same_rouge(prediction, target)


@settings(max_examples=200, deadline=None)
@given(prediction=_any_text, target=_any_text)
def test_rouge_matches_rouge_score_on_arbitrary_text(prediction: str, target: str) -> None:
    """ROUGE equals rouge-score's on arbitrary strings, including empty results."""
    _assert_same_rouge(prediction, target)


@settings(max_examples=200, deadline=None)
@given(
    a=st.lists(st.sampled_from("abcd"), max_size=150),
    b=st.lists(st.sampled_from("abcd"), max_size=150),
)
def test_lcs_length_matches_dynamic_programming(a: list[str], b: list[str]) -> None:
    """The bit-parallel LCS equals rouge-score's LCS table, beyond 64-bit widths."""
    expected = _lcs_table(a, b)[-1][-1] if a and b else 0
    assert _lcs_length(a, b) == expected


@pytest.mark.parametrize(
    ("prediction", "target"),
    [
        ("", ""),
        ("", "the cat"),
        ("the cat", ""),
        ("中文 日本語", "中文 日本語"),
        ("café naïve", "cafe naive"),
        ("\u212a", "k"),
        ("İstanbul", "i stanbul"),
        ("the the the", "the"),
        ("a", "a"),
        ("The Cat-sat, on_the mat!!", "the cat sat on the mat"),
        ("police killed the gunman", "the gunman killed police"),
    ],
)
def test_rouge_fixed_edge_cases(prediction: str, target: str) -> None:
    """Empty and non-ASCII texts, repeats, reordering and punctuation match rouge-score."""
    _assert_same_rouge(prediction, target)


def test_rouge_argument_order_and_errors() -> None:
    """Precision is relative to the prediction, and non-strings raise ValueError."""
    result = rouge_scores("the cat", "the cat sat on the mat")
    assert result.rouge1.precision == pytest.approx(1.0)
    assert result.rouge1.recall == pytest.approx(2 / 6)
    assert result.to_dict()["rougeL"]["precision"] == result.rougeL.precision
    with pytest.raises(ValueError, match="prediction=None"):
        rouge_scores(None, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target=3"):
        rouge_scores("x", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text=b'x'"):
        rouge_tokens(b"x")  # type: ignore[arg-type]
