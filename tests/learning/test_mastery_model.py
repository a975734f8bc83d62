"""The mastery model on generated data with known abilities (no database).

Students with a known ability θ answer questions of known difficulty b; each answer is right with the
Rasch probability σ(θ − b). The estimate must order the students as their abilities are ordered
(Spearman ρ ≥ 0.8 with 40 answers each), converge (Newton stops well before its cap, at a zero
gradient, and more answers bring it closer to the truth), and use difficulty and recency: the last
two tests fail for a model that ignores either (each also shows the blind variant failing).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from eduplatform.learning.mastery import model
from eduplatform.learning.mastery.model import DIFFICULTY_LOGITS, Observation

NOW = datetime(2026, 12, 1, 12, 0)
KP = 1
#: the rank correlation the estimate must reach with 40 answers per student
RHO_THRESHOLD = 0.8


def spearman(xs, ys) -> float:
    def ranks(values):
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        for rank, i in enumerate(order):
            result[i] = float(rank)
        return result
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


def answer(rng, theta, difficulty, days_ago, kp=KP) -> Observation:
    right = rng.random() < model.sigmoid(theta - DIFFICULTY_LOGITS[difficulty])
    return Observation(kp, difficulty, 1.0 if right else 0.0, NOW - timedelta(days=days_ago))


def cohort(rng, n_students=150, n_answers=40, difficulties=(1, 2, 3, 4, 5)):
    abilities = [rng.gauss(0, 1) for _ in range(n_students)]
    answers = [[answer(rng, theta, rng.choice(difficulties), rng.uniform(0, 90)) for _ in range(n_answers)]
               for theta in abilities]
    return abilities, answers


def test_the_estimate_orders_students_by_their_known_ability():
    rng = random.Random(20261206)
    abilities, answers = cohort(rng)
    estimates = [model.estimate(a, NOW)[KP] for a in answers]
    rho = spearman(abilities, [e.theta for e in estimates])
    assert rho >= RHO_THRESHOLD, rho
    # the reported mastery is a probability, monotone in θ, in the bands of the README
    assert all(0 < e.probability < 1 for e in estimates)
    assert {e.band for e in estimates} == {"掌握", "基本掌握", "待提高"}


def test_newton_converges_and_more_answers_come_closer_to_the_truth():
    rng = random.Random(7)
    errors = {}
    for n in (10, 40, 300):
        abilities, answers = cohort(rng, n_students=80, n_answers=n)
        fitted = [model.estimate(a, NOW, half_life_days=0)[KP] for a in answers]  # 0: no decay, the plain MAP
        assert max(e.steps for e in fitted) < 15
        errors[n] = sum(abs(e.theta - t) for e, t in zip(fitted, abilities, strict=True)) / len(abilities)
    assert errors[300] < errors[40] < errors[10]
    assert errors[300] < 0.3, errors
    # at the solution the gradient of the penalised log-likelihood is zero
    obs = [(1.0, DIFFICULTY_LOGITS[o.difficulty], o.score) for o in answers[0]]
    theta, _ = model.fit_theta(obs)
    gradient = sum(w * (s - model.sigmoid(theta - b)) for w, b, s in obs) - theta
    assert abs(gradient) < 1e-6
    # all right answers stay finite (the prior), and the result does not depend on the order
    assert model.fit_theta([(1.0, 0.0, 1.0)] * 30)[0] < 5
    shuffled = list(answers[1])
    rng.shuffle(shuffled)
    assert math.isclose(model.estimate(shuffled, NOW)[KP].theta, model.estimate(answers[1], NOW)[KP].theta)


def _hard_and_easy_groups(rng):
    """Strong students get only 困难 questions, weaker ones only 容易 ones: the weaker score higher."""
    strong, weak = [], []
    for _ in range(60):
        theta = rng.uniform(0.8, 1.4)
        strong.append((theta, [answer(rng, theta, 5, rng.uniform(0, 60)) for _ in range(40)]))
        theta = rng.uniform(-0.4, 0.2)
        weak.append((theta, [answer(rng, theta, 1, rng.uniform(0, 60)) for _ in range(40)]))
    return strong, weak


def _mean(values):
    values = list(values)
    return sum(values) / len(values)


def test_difficulty_counts_a_hard_question_right_is_worth_more():
    strong, weak = _hard_and_easy_groups(random.Random(11))
    raw_strong = _mean(o.score for _, obs in strong for o in obs)
    raw_weak = _mean(o.score for _, obs in weak for o in obs)
    assert raw_strong < raw_weak  # the trap: plain percent correct ranks the groups the wrong way round

    def mean_theta(group, blind=False):
        return _mean(model.estimate([Observation(o.knowledge_point_id, 3 if blind else o.difficulty, o.score,
                                                 o.answered_at) for o in obs], NOW)[KP].theta for _, obs in group)

    assert mean_theta(strong) > mean_theta(weak) + 0.5
    assert mean_theta(strong, blind=True) < mean_theta(weak, blind=True)  # a model ignoring difficulty fails


def test_recency_counts_the_latest_answers_weigh_more():
    rng = random.Random(3)
    improved, declined = [], []
    for _ in range(60):
        # four months ago weak (θ −1.5), the last month strong (θ +1.5) — and the other way round
        old = [answer(rng, -1.5, 3, rng.uniform(90, 120)) for _ in range(30)]
        new = [answer(rng, 1.5, 3, rng.uniform(0, 30)) for _ in range(30)]
        improved.append(old + new)
        old = [answer(rng, 1.5, 3, rng.uniform(90, 120)) for _ in range(30)]
        new = [answer(rng, -1.5, 3, rng.uniform(0, 30)) for _ in range(30)]
        declined.append(old + new)

    def mean_theta(group, half_life):
        return _mean(model.estimate(obs, NOW, half_life_days=half_life)[KP].theta for obs in group)

    assert mean_theta(improved, 60) > 0.5 > -0.5 > mean_theta(declined, 60)
    # without recency (no decay) the two groups look alike: the test above would fail
    assert abs(mean_theta(improved, 0) - mean_theta(declined, 0)) < 0.3


def test_few_answers_stay_near_the_middle_and_say_so():
    estimate = model.estimate([Observation(KP, 3, 1.0, NOW)], NOW)[KP]
    assert 0.5 < estimate.probability < 0.75 and estimate.few
    assert model.band(0.8) == "掌握" and model.band(0.6) == "基本掌握" and model.band(0.59) == "待提高"
