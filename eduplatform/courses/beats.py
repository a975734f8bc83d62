"""Progress beats from the audio/video player: what was played, merged on the server.

The player sends a beat every ~30 s while playing (and on pause, seek and end) with its position and the
ranges it played since the last beat. The server keeps the union of watched ranges; the lesson is
complete when the union covers the lesson's share (90 % by default) of the duration the server probed.
A client cannot claim more than it could have played: new coverage per beat is capped by the wall
time since the previous beat (or the lesson opening) × ``MAX_RATE``, plus a little slack.
"""

from __future__ import annotations

from datetime import datetime

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.courses.completion import get_or_create_progress, set_progress, watch_percent
from eduplatform.courses.models import Enrolment, Lesson, LessonKind, LessonProgress

#: Fastest playback rate the player offers.
MAX_RATE = 2.0
#: Seconds of slack per beat (clock skew, buffering).
SLACK_SECONDS = 10.0
#: Wall time counted for one beat at most: a lost beat is made up by the next, a long pause is not.
MAX_GAP_SECONDS = 120.0
MAX_RANGES = 200


def merge(ranges: list[list[float]]) -> list[list[float]]:
    """Sorted, non-overlapping union of [start, end] ranges (touching ranges are joined)."""
    out: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in ranges if b > a):
        if out and start <= out[-1][1] + 0.5:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def covered(ranges: list[list[float]]) -> float:
    return sum(end - start for start, end in ranges)


def clip(ranges, duration: float) -> list[list[float]]:
    out = []
    for pair in ranges:
        start, end = max(0.0, float(pair[0])), min(duration, float(pair[1]))
        if end > start:
            out.append([start, end])
    return out


def _within_budget(existing: list[list[float]], new: list[list[float]], budget: float) -> list[list[float]]:
    """Add ``new`` ranges to ``existing`` in play order, accepting at most ``budget`` seconds of new coverage."""
    merged = existing
    base = covered(existing)
    for start, end in new:
        trial = merge(merged + [[start, end]])
        gain = covered(trial) - base
        if gain <= budget:
            merged, base, budget = trial, base + gain, budget - gain
            continue
        if budget > 0.5:  # accept the first part of this range that fits the budget
            lo, hi = start, end
            for _ in range(20):
                mid = (lo + hi) / 2
                if covered(merge(merged + [[start, mid]])) - base <= budget:
                    lo = mid
                else:
                    hi = mid
            merged = merge(merged + [[start, lo]])
        break
    return merged


def record_beat(user, lesson: Lesson, enrolment: Enrolment, *, position: float, ranges: list, seq: int = 0,
                event: str = "beat", now: datetime | None = None) -> LessonProgress:
    if lesson.kind not in (LessonKind.VIDEO, LessonKind.AUDIO):
        raise Conflict("只有音视频课时接收播放进度", code="not_media")
    now = now or utcnow()
    progress = get_or_create_progress(lesson, user, for_update=True)
    duration = lesson.duration_seconds
    progress.beat_count = (progress.beat_count or 0) + 1
    progress.last_seq = max(progress.last_seq or 0, int(seq or 0))
    since = progress.last_beat_at or progress.first_opened_at or now
    progress.last_beat_at = now
    if progress.first_opened_at is None:
        progress.first_opened_at = now
    if duration:
        progress.position = max(0.0, min(float(position), duration))
    else:
        progress.position = max(0.0, float(position))
    if not duration:
        # Without a server-known length nothing can be measured against it: keep the position only.
        set_progress(progress, lesson, enrolment, percent=0, done=False, actor=user)
        return progress
    for pair in ranges:
        if len(pair) != 2 or pair[1] < pair[0]:
            raise ValidationFailed("播放区间格式不正确", fields={"ranges": ["每段须为 [开始, 结束]"]})
    elapsed = min(max((now - since).total_seconds(), 0.0), MAX_GAP_SECONDS)
    budget = elapsed * MAX_RATE + SLACK_SECONDS
    existing = merge(progress.watched or [])
    watched = _within_budget(existing, clip(ranges, duration), budget)
    if len(watched) > MAX_RANGES:  # a pathological client: keep the biggest pieces
        watched = merge(sorted(watched, key=lambda r: r[1] - r[0], reverse=True)[:MAX_RANGES])
    progress.watched = [[round(a, 2), round(b, 2)] for a, b in watched]
    progress.watched_seconds = round(covered(watched), 2)
    share = 100 * progress.watched_seconds / duration
    # "watched to the end": the last second or so is often never reported; 0.5 s of rounding is allowed.
    done = share + 100 * 0.5 / duration >= watch_percent(lesson)
    set_progress(progress, lesson, enrolment, percent=int(share), done=done, actor=user)
    return progress
