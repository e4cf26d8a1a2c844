"""Is anything retrieved relevant enough to answer from?

Retrieval always returns its k best passages, even for a question the circulars do
not cover; the answerer must then say so instead of stitching unrelated text. The
decision uses a score that means the same thing for every question, unlike BM25
scores (unbounded, depend on the question's length) or fused ranks:

    relevance = max over the top passages of the IDF-weighted share of the
                question's content terms that occur in the passage (or its headings)

It is 0..1: 1.0 when every term of the question is in one passage, near 0 when the
key terms (the rare ones, by IDF) appear nowhere. An everyday term ("อปท.", "น้ำท่วม")
counts as present where one of its official wordings is (`retriever.thesaurus`). A
question that names a letter and item present in the index ("มท 0211.6/ว 10303 ข้อ
3.6") scores 1.0, since the citation lookup found exactly what was asked for (when
the passage states what the question requires, below). Word
overlap behaves the same with any embedding model, and it is cheap (token sets are
cached by the Searcher).

Meaning, not words: a paraphrased question ("อยากเชิญนายกมาเปิดงาน ต้องแจ้งใคร")
shares few words with the item that answers it, and word overlap alone refused
many such questions that search had answered right. Two rules read the embedding
model instead; each makes the passages count as relevant (1.0):

* the top passage is very close to the question: cosine at least `closeness_floor`.
  Cheap, since the passage's vector is in the index. e5's cosines crowd into
  0.80-0.92 for any Thai pair, so only the very top means much. On the dev
  questions (91 answerable, 11 not) this took false not-found answers from 17 to
  13 and answered no unanswerable question.
* one sentence of the top `SENTENCE_PASSAGES` passages is very close to the
  question: cosine at least `sentence_floor`, both embedded with the query prompt,
  as e5 prescribes for symmetric similarity. A directive item holds several
  clauses, and its vector is their blend; the paraphrased question restates one
  clause ("ก่อนน้ำจะมา ต้องคอยเฝ้าดูสัญญาณอันตราย..." and ข้อ 3.4's "ติดตามประเมิน
  สถานการณ์ ... เพื่อเป็นข้อมูลในการแจ้งเตือนภัย"). Passage sentences are embedded
  when asked (about 13 ms each on 2 cores, cached), so the rule runs only when word
  overlap has fallen short (`enough`). On dev it took false not-found answers from
  13 to 6 and answered no further unanswerable question: those reach 0.881 at most,
  the floor is 0.89. (7 with the sentence vectors in dense search, which changed one
  question's passages.) These vectors are not the index's sentence vectors
  (`indexer.sentence_vectors`: passage prompt, context in front, for ranking): the
  floor was calibrated on bare sentences against the question, both as queries.

Both floors are set per model family on the dev questions; for a model with no
calibrated floor the rules are off and word overlap decides alone.

A question asking for a number in a unit can only be answered by a passage that
states one (`retriever.answer_types.asked_unit` / `states_unit`), so only such
passages count for it:

* money ("เบี้ยยังชีพได้เดือนละกี่บาท", "วงเงินเท่าไร"): a number followed by บาท. Without
  this, a passage on the right topic but with no amount, such as the flood-relief
  directive for "เงินเยียวยาผู้ประสบอุทกภัยได้ครัวเรือนละกี่บาท", passed as an answer.
* a count in another unit ("ภายในกี่วัน", "กี่คะแนน", "กี่แปลง", "ร้อยละเท่าไร"): a
  number in that unit. Near-miss questions ask exactly this: the circulars name
  ศูนย์ดำรงธรรม, ITA and โฉนดที่ดิน, but no deadline in days, pass mark or number of
  plots. On the dev questions (111 answerable, 24 not) this took not-found accuracy
  from 0.750 to 0.917 and touched no answerable question.

A question asking for a day counts only passages naming one (`asked_day`,
`states_day`), and one asking for a due day ("ภายในวันที่เท่าไร", "ทุกวันที่เท่าไร")
only passages setting one ("ภายในวันที่ ๓๑ ตุลาคม", "ทุกวันที่ ๒๐"). A near-miss question
asked Chiang Mai's monthly reporting day, which its letter does not set; the letter's
passages passed on the date of the meeting they report. Dev: not-found accuracy
0.806 -> 0.839 (31 unanswerable), no answerable question refused by it. Likewise a
rate ("เดือนละกี่บาท") counts only passages stating a figure per the same thing
(`asked_rate`, `states_rate`), not a sum or an average: 0.839 -> 0.871. And a
question for who holds a role ("มีใครเป็นหัวหน้าคณะทำงาน") counts only passages that
mention the role (`asked_role`): 0.871 -> 0.903; "มีจังหวัดอะไรบ้าง" only passages
naming provinces, not counting them (`asks_provinces`): 0.903 -> 0.935. These filters
apply before the closeness rules, which read meaning and not the detail asked, and
before the citation rule: "ตาม ว 10303 งบลงทุนต้องเบิกจ่ายให้ได้กี่เปอร์เซ็นต์" names a
letter, but its items set quarters, not a percentage, so it is not answered (dev
not-found accuracy 0.771 -> 0.792 on 48 unanswerable questions, no answerable one
refused). "กี่เปอร์เซ็นต์" asks for ร้อยละ, and a one-off due date ("ภายในวันที่ ๓๑
ตุลาคม") states a number of days ("ให้เวลากี่วัน").
"""

from __future__ import annotations

from functools import lru_cache

from circulars.models import Hit
from indexer.embedder import SHORT_BATCH
from indexer.sentences import split_sentences
from indexer.thai_tokens import tokenize
from retriever.answer_types import Requirement, answer_requirements, asked_letter_facts
from retriever.query import validate_query
from retriever.search import Searcher
from retriever.terms import question_terms

RELEVANCE_DEPTH = 5  # passages considered; lower ranks rarely rescue a question
# Cosine floors per model family, set on the dev questions (`circulars eval`): no
# unanswerable dev question's top passage reaches 0.88 (highest 0.878), and the
# answerable ones it rescues lie at 0.886-0.903 and above.
CLOSENESS_FLOORS = {"multilingual-e5-small": 0.885}
# Dev again: the unanswerable questions' closest sentences reach 0.881 at most; the
# refused answerable ones it rescues lie at 0.89-0.90.
SENTENCE_CLOSENESS_FLOORS = {"multilingual-e5-small": 0.89}
SENTENCE_PASSAGES = 2  # the third passage's sentences rescued no dev question
# Each passage's first sentences, so that all fit one fast batch of the encoder and a
# long top passage cannot crowd out the second.
SENTENCES_PER_PASSAGE = SHORT_BATCH // SENTENCE_PASSAGES


def own_tokens(searcher: Searcher, hit: Hit) -> frozenset[str]:
    """The passage's own tokens (cached by the Searcher), without its headings'."""
    position = searcher.position.get(hit.chunk_id)
    return searcher.token_set(position) if position is not None else frozenset(
        tokenize(hit.text))


def hit_tokens(searcher: Searcher, hit: Hit) -> frozenset[str]:
    """The passage's tokens plus its parent headings'."""
    own = own_tokens(searcher, hit)
    if not hit.parents:
        return own
    return own | heading_tokens(tuple(hit.parents))


@lru_cache(maxsize=4096)
def heading_tokens(parents: tuple[str, ...]) -> frozenset[str]:
    """Tokens of a chain of headings. Cached: the relevance check and the answerer
    both read the same hits' headings, and sibling items share theirs."""
    return frozenset(tokenize(" ".join(parents)))


def relevance(searcher: Searcher, question: str, hits: list[Hit],
              enough: float | None = None) -> float:
    """How well the best of the top passages covers the question (see the module doc).

    With `enough`, a word overlap reaching it is returned as is, without the slower
    sentence check: the caller only needs to know the score clears its threshold.
    """
    if not hits:
        return 0.0
    candidates, _ = meeting_requirements(question, hits[:RELEVANCE_DEPTH])
    # A question also about a named letter itself ("ว 10303 อ้างถึงหนังสือฉบับใด ...") is
    # answered by its header, which the passage text the requirements read does not hold.
    cited_from = hits[:RELEVANCE_DEPTH] if asked_letter_facts(question) else candidates
    if any("citation" in hit.matched_by for hit in cited_from):
        return 1.0
    terms = question_terms(question)
    if not terms or not candidates:
        return 0.0
    if close_enough(searcher, question, candidates[0]):
        return 1.0
    weighed = searcher.weighed_terms(question)
    best = round(max(weighed.share(hit_tokens(searcher, hit)) for hit in candidates), 4)
    if enough is not None and best >= enough:
        return best
    floor = sentence_floor(searcher)
    if floor is not None and sentence_closeness(
            searcher, question, candidates[:SENTENCE_PASSAGES]) >= floor:
        return 1.0
    return best


def meeting_requirements(question: str, hits: list[Hit]
                         ) -> tuple[list[Hit], list[Requirement]]:
    """The hits that state what the question asks for (`answer_requirements`), and the
    requirements that set some hit aside."""
    candidates, excluding = hits, []
    for requirement in answer_requirements(question):
        kept = [hit for hit in candidates if requirement.test(hit.text)]
        if len(kept) < len(candidates):
            excluding.append(requirement)
        candidates = kept
    return candidates, excluding


def excluding_requirements(question: str, hits: list[Hit]) -> list[Requirement]:
    """The requirements that set some of the top passages aside, for a not-found note:
    a rate question whose passages all state money names the rate, not the money."""
    return meeting_requirements(question, hits[:RELEVANCE_DEPTH])[1]


def _floor(configured: float | None, calibrated: dict[str, float],
           searcher: Searcher) -> float | None:
    """A configured floor (above 1: off), else the one calibrated for the index's model."""
    if configured is not None:
        return configured if configured <= 1.0 else None
    name = searcher.manifest.model.lower()
    return next((floor for family, floor in calibrated.items() if family in name), None)


def closeness_floor(searcher: Searcher) -> float | None:
    """The cosine from which a passage is close enough to answer on meaning alone:
    the configured one, else the one calibrated for the index's model, else None."""
    return _floor(searcher.settings.answer_closeness, CLOSENESS_FLOORS, searcher)


def sentence_floor(searcher: Searcher) -> float | None:
    """The cosine from which one sentence of a top passage is close enough (as
    `closeness_floor`, for `answer_sentence_closeness`)."""
    return _floor(searcher.settings.answer_sentence_closeness, SENTENCE_CLOSENESS_FLOORS,
                  searcher)


def close_enough(searcher: Searcher, question: str, hit: Hit) -> bool:
    """Whether the embedding model puts `hit` at least `closeness_floor` from the question."""
    floor = closeness_floor(searcher)
    if floor is None:
        return False
    similarity = searcher.closeness(question, hit.chunk_id)
    return similarity is not None and similarity >= floor


def sentence_closeness(searcher: Searcher, question: str, hits: list[Hit]) -> float:
    """The highest cosine between the question and a sentence of `hits` (both embedded
    as queries); -1.0 when the passages hold no sentence."""
    sentences = [s for hit in hits for s in split_sentences(hit.text)[:SENTENCES_PER_PASSAGE]]
    if not sentences:
        return -1.0
    question_vector = searcher.query_vector(
        validate_query(question, searcher.settings.max_query_chars))
    return float((searcher.query_vectors(sentences) @ question_vector).max())


