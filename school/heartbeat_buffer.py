"""Heartbeats buffered in Redis and folded into the database in batches.

Used when PORTAL_SCHOOL_HEARTBEAT_REDIS_URL is set (it follows REDIS_URL). A
heartbeat then costs the web worker two Redis round trips and no database query:

1. Its session is read (Redis, cached_db sessions) for the user id, the session
   hash and the member id.
2. One Lua script, atomic in Redis: checks the session hash against the user's
   cached one (`auth:<user>`, filled by a full Django check on a miss and dropped
   when the user is saved), admits the heartbeat against the member's clock
   (`clock:<member>`: the rule of `school.progress.admit_heartbeat`, on Redis's own
   clock), appends it to the stream `beats` with its budget, and says whether a fold
   must be scheduled and what the last fold recorded for this member and lesson.

`fold_heartbeats` (task `fold_study_heartbeats`, scheduled 2 s after the first
unfolded beat and every few seconds from PORTAL_SCHEDULE) reads the stream after the
watermark kept in `HeartbeatFold`, merges the beats with `services.write_beats` and
moves the watermark in the same transaction, then trims what it committed from the
stream. A fold killed before the trim leaves the beats in Redis, and the next fold
skips them by the watermark: nothing is lost, nothing is folded twice. Two folds at
once queue on the watermark row.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import HeartbeatFold
from .progress import clean_intervals, clip_position
from .services import (
    Beat,
    HeartbeatOutcome,
    LessonTarget,
    clock_rules,
    lesson_target,
    write_beats,
)

logger = logging.getLogger(__name__)

FOLD_BATCH = 2000
FOLD_SECONDS = 20
SEEN_SECONDS = 3600
AUTH_SECONDS = 300
CLOCK_SECONDS = 3600
# A scheduled fold that never ran (worker down) is scheduled again after this long.
FOLD_DUE_SECONDS = 30

# KEYS: auth, clock, stream, fold-due, seen.
# ARGV: expected auth value, member, lesson, intervals (JSON), position, playing
# (0/1), claims (0/1), now in ms ('' = Redis's clock), max rate, min interval ms,
# max gap ms, first wall ms, accruing window ms, clock ttl s, fold-due ms.
# Returns {"auth"} when the cached session hash does not match, else
# {"ok", budget ms, accrues (0/1), deferred (0/1), fold due (0/1), seen}.
ADMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'auth'} end
local now
if ARGV[8] ~= '' then
  now = tonumber(ARGV[8])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local lesson = tonumber(ARGV[3])
local playing = ARGV[6] == '1'
local c = redis.call('HMGET', KEYS[2], 'last', 'lesson', 'until')
local last, accruing, untl = tonumber(c[1]), tonumber(c[2]), tonumber(c[3])
local budget, accrues, deferred = 0, 1, 0
local new_last, new_lesson, new_until = last, accruing, untl
if accruing and accruing ~= lesson and untl and untl > now then
  accrues = 0
else
  if playing then
    new_lesson, new_until = lesson, now + tonumber(ARGV[13])
  elseif accruing == lesson then
    new_lesson, new_until = nil, nil
  end
  if ARGV[7] == '1' then
    local wall
    if not last then
      wall = tonumber(ARGV[12])
    else
      local elapsed = now - last
      if elapsed > tonumber(ARGV[11]) or elapsed < -tonumber(ARGV[11]) then
        wall = tonumber(ARGV[12])
      elseif elapsed < tonumber(ARGV[10]) then
        wall = nil
      else
        wall = elapsed
      end
    end
    if wall then
      budget = math.floor(wall * tonumber(ARGV[9]))
      new_last = now
    else
      deferred = 1
    end
  end
end
if new_last then redis.call('HSET', KEYS[2], 'last', new_last) end
if new_lesson then
  redis.call('HSET', KEYS[2], 'lesson', new_lesson, 'until', new_until)
else
  redis.call('HDEL', KEYS[2], 'lesson', 'until')
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[14]))
local intervals = ARGV[4]
if accrues == 0 then intervals = '[]' end
redis.call('XADD', KEYS[3], '*', 'm', ARGV[2], 'l', ARGV[3], 'i', intervals,
  'p', ARGV[5], 'b', budget, 't', now)
local due = 0
if redis.call('SET', KEYS[4], '1', 'NX', 'PX', tonumber(ARGV[15])) then due = 1 end
local seen = redis.call('GET', KEYS[5]) or ''
return {'ok', budget, accrues, deferred, due, seen}
"""


_clients: dict[str, redis.Redis] = {}


def enabled() -> bool:
    return bool(settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_URL)


def client() -> redis.Redis:
    """The Redis client of this process (one connection pool per URL)."""
    url = settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_URL
    found = _clients.get(url)
    if found is None:
        found = _clients[url] = redis.Redis.from_url(
            url, socket_timeout=5, health_check_interval=30
        )
    return found


def key(name: str) -> str:
    return f"{settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX}{name}"


def stream_key() -> str:
    return key("beats")


@dataclass(frozen=True)
class Buffered:
    """What the Lua script decided, and what the last fold (or the lesson page)
    recorded for the member and lesson: `watched_seconds` None if nothing yet."""

    budget: float
    accrues: bool
    deferred: bool
    fold_due: bool
    watched_seconds: float | None
    completed: bool
    course_completed: bool

    def outcome(self, lesson: LessonTarget, position: float) -> HeartbeatOutcome:
        """What the player is told: progress as of the last fold."""
        return HeartbeatOutcome(
            watched_seconds=self.watched_seconds,
            duration=lesson.duration,
            last_position=clip_position(position, lesson.duration),
            completed=self.completed,
            accruing=self.accrues,
            course_completed=self.course_completed,
            deferred=self.deferred,
        )


def auth_value(session_hash: str, member_id: int) -> str:
    return f"{session_hash}|{member_id}"


def remember_auth(user_id: int, session_hash: str, member_id: int) -> None:
    """Cache a user's session hash and member id after a full Django check."""
    client().set(
        key(f"auth:{user_id}"), auth_value(session_hash, member_id), ex=AUTH_SECONDS
    )


def forget_auth(user_id: int) -> None:
    """A user changed (password, active flag): the next heartbeat checks in full."""
    client().delete(key(f"auth:{user_id}"))


def buffer_heartbeat(
    *,
    user_id: int,
    session_hash: str,
    member_id: int,
    lesson: LessonTarget,
    intervals: list,
    position: float,
    playing: bool,
    now: datetime.datetime | None = None,
) -> Buffered | None:
    """Admit a heartbeat and append it to the buffer; None if the session's user is
    not the one cached (the caller checks in full and calls `remember_auth`)."""
    rules = clock_rules()
    claims = bool(clean_intervals(intervals, lesson.duration)) and lesson.duration > 0
    script = _script()
    reply = script(
        keys=[
            key(f"auth:{user_id}"),
            key(f"clock:{member_id}"),
            stream_key(),
            key("fold-due"),
            key(f"seen:{member_id}:{lesson.pk}"),
        ],
        args=[
            auth_value(session_hash, member_id),
            member_id,
            lesson.pk,
            json.dumps(intervals, separators=(",", ":")),
            repr(float(position)),
            int(bool(playing)),
            int(claims),
            "" if now is None else int(now.timestamp() * 1000),
            repr(rules.max_rate),
            int(rules.min_interval * 1000),
            int(rules.max_gap * 1000),
            int(rules.first_wall * 1000),
            int(rules.accruing_window * 1000),
            CLOCK_SECONDS,
            FOLD_DUE_SECONDS * 1000,
        ],
    )
    if reply[0] == b"auth":
        return None
    _, budget, accrues, deferred, due, seen = reply
    watched, completed, course_completed = None, False, False
    if seen:
        parts = seen.decode().split("|")
        watched, completed, course_completed = (
            float(parts[0]),
            parts[1] == "1",
            parts[2] == "1",
        )
    return Buffered(
        budget=budget / 1000,
        accrues=bool(accrues),
        deferred=bool(deferred),
        fold_due=bool(due),
        watched_seconds=watched,
        completed=completed,
        course_completed=course_completed,
    )


_scripts: dict[int, object] = {}


def _script():
    redis_client = client()
    found = _scripts.get(id(redis_client))
    if found is None:
        found = _scripts[id(redis_client)] = redis_client.register_script(ADMIT)
    return found


def schedule_fold() -> None:
    """Queue a fold a little later, so that it takes a batch (see FOLD_DELAY).

    The beat is already safe in Redis: if the queue cannot be reached, the schedule's
    fold (PORTAL_SCHEDULE) or the next beat after FOLD_DUE_SECONDS folds it."""
    from .tasks import fold_study_heartbeats

    task = fold_study_heartbeats
    delay = settings.PORTAL_SCHOOL_FOLD_DELAY_SECONDS
    if task.get_backend().supports_defer and delay:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    try:
        task.enqueue()
    except DatabaseError:
        logger.warning("could not queue the heartbeat fold", exc_info=True)


def forget_auth_quietly(user_id: int) -> None:
    """`forget_auth` for signal handlers: Redis down must not fail a user's save (the
    cached hash then expires within AUTH_SECONDS)."""
    try:
        forget_auth(user_id)
    except redis.RedisError:
        logger.warning("could not drop user %s's cached heartbeat check", user_id)


# ---- folding ----------------------------------------------------------------------


def fold_heartbeats(
    *, batch: int = FOLD_BATCH, max_seconds: float = FOLD_SECONDS
) -> int:
    """Fold buffered heartbeats into the database until the stream is drained (or
    `max_seconds` passed); returns how many were folded."""
    redis_client = client()
    redis_client.delete(key("fold-due"))
    folded = 0
    deadline = time.monotonic() + max_seconds
    while True:
        count, last_id = fold_batch(batch=batch)
        trim_folded(last_id)
        folded += count
        if count < batch or time.monotonic() > deadline:
            return folded


def fold_batch(*, batch: int = FOLD_BATCH) -> tuple[int, str]:
    """One batch: read beats after the watermark, write them and the new watermark
    in one transaction. Returns how many were folded and the watermark. The beats
    stay in Redis until `trim_folded` removes them."""
    stream = stream_key()
    redis_client = client()
    with transaction.atomic():
        HeartbeatFold.objects.bulk_create(
            [HeartbeatFold(stream=stream)], ignore_conflicts=True
        )
        mark = HeartbeatFold.objects.select_for_update().get(stream=stream)
        start = f"({mark.last_id}" if mark.last_id else "-"
        entries = redis_client.xrange(stream, min=start, max="+", count=batch)
        if not entries:
            return 0, mark.last_id
        beats = _beats(entries)
        results = write_beats(beats)
        last_id = entries[-1][0].decode()
        HeartbeatFold.objects.filter(stream=stream).update(
            last_id=last_id, folded=mark.folded + len(entries)
        )
    _remember_seen(results)
    return len(entries), last_id


def trim_folded(last_id: str) -> None:
    """Remove from the stream every beat up to the watermark (already in the DB)."""
    if not last_id:
        return
    milliseconds, sequence = last_id.split("-")
    client().xtrim(stream_key(), minid=f"{milliseconds}-{int(sequence) + 1}")


def pending_count() -> int:
    """Beats in the stream not yet folded (for monitoring and tests)."""
    stream = stream_key()
    mark = HeartbeatFold.objects.filter(stream=stream).values_list("last_id", flat=True)
    last_id = mark.first() or ""
    start = f"({last_id}" if last_id else "-"
    return len(client().xrange(stream, min=start, max="+"))


def _beats(entries) -> list[Beat]:
    """Stream entries as beats; beats of lessons or members gone since are dropped."""
    from members.models import Member

    parsed = []
    for _entry_id, fields in entries:
        values = {name.decode(): value.decode() for name, value in fields.items()}
        parsed.append(values)
    members = {int(values["m"]) for values in parsed}
    existing = set(Member.objects.filter(pk__in=members).values_list("pk", flat=True))
    beats = []
    for values in parsed:
        member_id = int(values["m"])
        target = lesson_target(int(values["l"]))
        if member_id not in existing or target is None:
            continue
        beats.append(
            Beat(
                member_id=member_id,
                lesson=target,
                intervals=json.loads(values["i"]),
                position=float(values["p"]),
                budget=int(values["b"]) / 1000,
                at=datetime.datetime.fromtimestamp(
                    int(values["t"]) / 1000, tz=datetime.UTC
                ),
            )
        )
    return beats


def _seen_value(watched: float, completed: bool, course_completed: bool) -> str:
    return f"{watched}|{int(completed)}|{int(course_completed)}"


def remember_seen(
    member_id: int, lesson_id: int, watched: float, completed: bool
) -> None:
    """The lesson page tells the coming heartbeats the member's progress as stored,
    unless a fold already told them something newer."""
    client().set(
        key(f"seen:{member_id}:{lesson_id}"),
        _seen_value(watched, completed, False),
        ex=SEEN_SECONDS,
        nx=True,
    )


def _remember_seen(results) -> None:
    """Tell the next heartbeat of each member and lesson what the fold recorded."""
    if not results:
        return
    pipe = client().pipeline(transaction=False)
    for (member_id, lesson_id), outcome in results.items():
        pipe.set(
            key(f"seen:{member_id}:{lesson_id}"),
            _seen_value(
                outcome.watched_seconds, outcome.completed, outcome.course_completed
            ),
            ex=SEEN_SECONDS,
        )
    pipe.execute()
