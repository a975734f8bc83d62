"""The mastery model: a recency-weighted Rasch (1PL IRT) ability per student and knowledge point.

For one student and one knowledge point, each graded answer *i* is an observation: the score
fraction ``s_i`` ∈ [0, 1] (partial credit counts as a fractional success), the question's difficulty
``b_i`` on the logit scale (``DIFFICULTY_LOGITS``: the bank's 1 容易 … 5 困难 → −1.6 … +1.6) and a
recency weight ``w_i = 0.5 ** (age_i / half_life)`` (default half-life 60 days: last month's answers
count about twice as much as those of two months before). The ability θ maximises the weighted
log-likelihood of the Rasch model ``P(correct) = σ(θ − b)`` plus a normal prior θ ~ N(0, 1):

    L(θ) = Σ w_i [s_i log σ(θ − b_i) + (1 − s_i) log(1 − σ(θ − b_i))] − θ² / 2

L is strictly concave, so Newton's method from θ = 0 converges (a few steps; capped at 50) and the
result does not depend on the order answers arrived in (unlike a running Elo update). The prior
keeps a student with two answers near the middle instead of at ±∞, and all-correct stays finite.

Mastery is ``σ(θ)``: the chance of full marks on a 中等 (difficulty 3) question of that point, shown
as a percent with a band (``band``): ≥ 80 % 掌握, ≥ 60 % 基本掌握, else 待提高. ``evidence`` is the
recency-weighted count of answers; below ``FEW_EVIDENCE`` the page says 数据较少.

Why difficulty matters: a right answer to a 困难 question moves θ more than one to a 容易 question,
and a wrong answer to a 容易 question costs more. Why recency matters: a student who got a point wrong
in September and right since November is estimated on November.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

#: The bank's difficulty 1 … 5 on the logit scale (a 中等 question is 0).
DIFFICULTY_LOGITS = {1: -1.6, 2: -0.8, 3: 0.0, 4: 0.8, 5: 1.6}
DEFAULT_HALF_LIFE_DAYS = 60.0
PRIOR_SD = 1.0
#: Bands, best first: (lowest probability, label).
BANDS = ((0.8, "掌握"), (0.6, "基本掌握"), (0.0, "待提高"))
#: Below this recency-weighted number of answers the estimate is marked as resting on little data.
FEW_EVIDENCE = 3.0


def band(probability: float) -> str:
    for floor, label in BANDS:
        if probability >= floor:
            return label
    return BANDS[-1][1]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Observation:
    knowledge_point_id: int
    difficulty: int
    score: float
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Estimate:
    theta: float
    probability: float
    evidence: float
    answers: int
    last_answered_at: datetime | None
    #: Newton steps taken (for the convergence test)
    steps: int = 0

    @property
    def band(self) -> str:
        return band(self.probability)

    @property
    def percent(self) -> int:
        """Rounded down, so that 59.9 % (待提高) never shows as 60 % (基本掌握)."""
        return math.floor(self.probability * 100 + 1e-9)

    @property
    def few(self) -> bool:
        return self.evidence < FEW_EVIDENCE


def recency_weight(answered_at: datetime, now: datetime, half_life_days: float) -> float:
    """0.5 per half-life of age; a half-life of 0 (or less) means no decay."""
    age_days = max(0.0, (now - answered_at).total_seconds() / 86400.0)
    return 0.5 ** (age_days / half_life_days) if half_life_days > 0 else 1.0


def fit_theta(points: list[tuple[float, float, float]], prior_sd: float = PRIOR_SD,
              tolerance: float = 1e-7, max_steps: int = 50) -> tuple[float, int]:
    """MAP θ for ``(weight, difficulty_logit, score)`` observations; returns (θ, Newton steps)."""
    theta, precision = 0.0, 1.0 / (prior_sd * prior_sd)
    for step in range(1, max_steps + 1):
        gradient, curvature = -theta * precision, precision
        for weight, b, score in points:
            p = sigmoid(theta - b)
            gradient += weight * (score - p)
            curvature += weight * p * (1.0 - p)
        change = gradient / curvature
        theta += change
        if abs(change) < tolerance:
            return theta, step
    return theta, max_steps


def estimate(observations: Iterable[Observation], now: datetime, *,
             half_life_days: float = DEFAULT_HALF_LIFE_DAYS, prior_sd: float = PRIOR_SD) -> dict[int, Estimate]:
    """knowledge point id → the student's estimate, from that student's observations."""
    grouped: dict[int, list[Observation]] = defaultdict(list)
    for o in observations:
        grouped[o.knowledge_point_id].append(o)
    result = {}
    for point, rows in grouped.items():
        triples = [(recency_weight(o.answered_at, now, half_life_days), DIFFICULTY_LOGITS.get(o.difficulty, 0.0),
                    o.score) for o in rows]
        theta, steps = fit_theta(triples, prior_sd)
        result[point] = Estimate(theta=theta, probability=sigmoid(theta), evidence=sum(w for w, _, _ in triples),
                                 answers=len(rows), last_answered_at=max(o.answered_at for o in rows), steps=steps)
    return result


def observations_by_student(answers) -> dict[int, list[Observation]]:
    """Graded answers (``learning.graded.GradedAnswer``) → per student, one observation per knowledge point."""
    found: dict[int, list[Observation]] = defaultdict(list)
    for a in answers:
        for point in a.knowledge_point_ids:
            found[a.student_id].append(Observation(point, a.difficulty, a.score, a.answered_at))
    return found
